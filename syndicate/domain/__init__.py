"""The sending domain: DKIM keys and signatures, and the preflight of its DNS (`syndicate check`).

`signing` signs every message in the transport, `keys` makes a key and the record to
publish, `preflight` (with `dns` and the checks beside it) looks at the published setup.
"""
