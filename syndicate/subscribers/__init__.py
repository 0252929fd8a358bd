"""The subscriber list: double opt-in signup, confirm, unsubscribe, bounces, import and export.

Consent is the point of this package: nobody becomes active without a confirmation (or the
publisher's explicit `--confirmed`), and nothing brings back an address that unsubscribed,
bounced or was removed, except a new signup that the person confirms again.
"""

from syndicate.subscribers.optin import (
    confirm,
    confirm_joining,
    expire_pending,
    mark_bounced,
    register_signup,
    send_confirmation,
    signup,
    subscriber_for_token,
    unsubscribe,
)
from syndicate.subscribers.records import (
    STATES,
    clean_name,
    confirm_url,
    count_subscribers,
    find_subscriber,
    list_subscribers,
    manage_url,
    unsubscribe_url,
)
from syndicate.subscribers.roster import (
    AddOutcome,
    ImportReport,
    SkippedLine,
    SuppressReport,
    add_confirmed,
    export_csv,
    import_csv,
    import_suppressions,
    remove,
)

__all__ = [
    "STATES",
    "AddOutcome",
    "ImportReport",
    "SkippedLine",
    "SuppressReport",
    "add_confirmed",
    "clean_name",
    "confirm",
    "confirm_joining",
    "confirm_url",
    "count_subscribers",
    "expire_pending",
    "export_csv",
    "find_subscriber",
    "import_csv",
    "import_suppressions",
    "list_subscribers",
    "manage_url",
    "mark_bounced",
    "register_signup",
    "remove",
    "send_confirmation",
    "signup",
    "subscriber_for_token",
    "unsubscribe",
    "unsubscribe_url",
]
