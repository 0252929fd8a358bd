"""How often one address and one client may sign up: a sliding hour over `signup_attempts`.

A list bomber who types a victim's address into many signup forms must not make the site
mail that victim a hundred times, and one client must not fill the list with strangers.
No maintained library keeps such a window in the site's own SQL database, so this is the
small hand-written version: count the last hour's rows, refuse at the limit, record the rest.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from syndicate.config import Settings
from syndicate.errors import SignupLimitError
from syndicate.store import confirmation_sends, signup_attempts, utcnow, write_transaction
from syndicate.subscribers.addresses import email_key, normalize_address

WINDOW = timedelta(hours=1)


def reserve_signup(
    engine: Engine,
    settings: Settings,
    address: str,
    client: str | None,
    *,
    now: datetime | None = None,
) -> int:
    """Record one signup attempt, or raise SignupLimitError when either limit is reached.

    Raises AddressError for an address that is not valid (it counts for nothing). Returns
    the attempt's id, so a signup that fails for another reason can give it back.
    """
    key = email_key(normalize_address(address))
    moment = now or utcnow()
    since = moment - WINDOW
    with write_transaction(engine) as conn:
        # Old rows count for nothing; dropping them here keeps the table an hour long.
        conn.execute(signup_attempts.delete().where(signup_attempts.c.created_at < since))
        recent = sa.select(sa.func.count()).select_from(signup_attempts)
        recent = recent.where(signup_attempts.c.created_at >= since)
        for_address = conn.execute(recent.where(signup_attempts.c.email_key == key)).scalar_one()
        if for_address >= settings.signup_limit:
            raise SignupLimitError(
                "This address was signed up too often in the last hour; try again later."
            )
        if client is not None:
            for_client = conn.execute(recent.where(signup_attempts.c.client == client)).scalar_one()
            if for_client >= settings.signup_limit:
                raise SignupLimitError("Too many signups from your network; try again later.")
        inserted = conn.execute(
            signup_attempts.insert()
            .values(email_key=key, client=client[:100] if client else None, created_at=moment)
            .returning(signup_attempts.c.id)
        )
        return int(inserted.scalar_one())


def release_signup(engine: Engine, attempt_id: int) -> None:
    """Forget an attempt that never reached anyone (the address was refused)."""
    with write_transaction(engine) as conn:
        conn.execute(signup_attempts.delete().where(signup_attempts.c.id == attempt_id))


DAY = timedelta(days=1)


def reserve_confirmation(
    engine: Engine, settings: Settings, address: str, *, now: datetime | None = None
) -> bool:
    """Count one confirmation email to `address`; False when today's cap is reached already.

    A form on someone else's page can be posted by anyone, so however the limits above are
    spread over clients, one address gets at most `web.confirmation_cap` of them a day.
    """
    key = email_key(normalize_address(address))
    moment = now or utcnow()
    since = moment - DAY
    with write_transaction(engine) as conn:
        conn.execute(confirmation_sends.delete().where(confirmation_sends.c.created_at < since))
        sent = conn.execute(
            sa.select(sa.func.count())
            .select_from(confirmation_sends)
            .where(confirmation_sends.c.email_key == key, confirmation_sends.c.created_at >= since)
        ).scalar_one()
        if sent >= settings.confirmation_cap:
            return False
        conn.execute(confirmation_sends.insert().values(email_key=key, created_at=moment))
    return True
