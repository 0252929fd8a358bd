"""The bounce mailbox read back: DSNs, non-standard bounces, ARF complaints, mailto unsubscribes.

`addresses` signs the per-recipient return addresses (VERP and the List-Unsubscribe mailto);
`classify` says what a message is, `match` whose delivery it concerns, `mailboxes` reads
and files the messages (IMAP or Maildir), and `process` ties them together for
`syndicate inbound`.
"""
