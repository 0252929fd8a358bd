"""Newsletter issues: made by publish, held, released, cancelled, test-sent."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from delivery_helpers import add_active, delivery_states, set_state, settings_for, write_article
from site_helpers import cli, store
from smtp_server import SMTPServer

from syndicate.newsletter.catalog import load_newsletters
from syndicate.newsletter.issues import list_issues, queue_issue
from syndicate.store import deliveries, issue_articles, issues, open_store, write_transaction


def _issues(site: Path) -> list[sa.Row]:
    with store(site) as engine, engine.connect() as conn:
        return list(conn.execute(sa.select(issues).order_by(issues.c.id)))


def test_publish_queues_one_issue_for_the_active_subscribers(site: Path) -> None:
    add_active(site, 5)
    set_state(site, ["reader0003@example.net"], "unsubscribed")
    set_state(site, ["reader0004@example.net"], "pending")
    result = cli(site, "publish", str(write_article(site)))
    assert result.exit_code == 0, result.output
    assert "issue 1 queued for 3 subscribers" in result.output
    (issue,) = _issues(site)
    assert issue.state == "queued" and issue.subject == "Harbour ferry doubles its crossings"
    assert b"syndicate-placeholder" in issue.message  # rendered once, personal parts left out
    assert delivery_states(site) == {"due": 3}


def test_republish_unchanged_makes_no_second_issue(site: Path) -> None:
    add_active(site, 2)
    path = write_article(site)
    cli(site, "publish", str(path))
    again = cli(site, "publish", str(path))
    assert again.exit_code == 0 and "issue" not in again.output
    assert len(_issues(site)) == 1
    assert delivery_states(site) == {"due": 2}


def test_edited_article_rerenders_its_unsent_issue(site: Path) -> None:
    add_active(site, 2)
    path = write_article(site)
    cli(site, "publish", str(path))
    before = _issues(site)[0].message
    write_article(site, extra="Cyclists ride free before nine.")
    result = cli(site, "publish", str(path))
    assert "issue 1 re-rendered" in result.output
    (issue,) = _issues(site)
    assert issue.message != before and b"Cyclists ride free" in issue.message
    assert delivery_states(site) == {"due": 2}


def test_edit_after_sending_needs_resend(site: Path) -> None:
    add_active(site, 2)
    path = write_article(site)
    cli(site, "publish", str(path))
    assert cli(site, "send").exit_code == 0
    write_article(site, extra="A late correction to the timetable.")
    edited = cli(site, "publish", str(path))
    assert "issue" not in edited.output and len(_issues(site)) == 1
    resent = cli(site, "publish", "--resend", str(path))
    assert "issue 2 queued for 2 subscribers" in resent.output
    assert [i.state for i in _issues(site)] == ["queued", "queued"]
    assert delivery_states(site) == {"written": 2, "due": 2}


def test_no_email_makes_no_issue(site: Path) -> None:
    add_active(site, 2)
    result = cli(site, "publish", "--no-email", str(write_article(site)))
    assert result.exit_code == 0 and _issues(site) == []


def test_hold_setting_then_release_queues_everyone_active_at_release(site: Path) -> None:
    add_active(site, 2)
    env = {"SYNDICATE_HOLD": "true"}
    published = cli(site, "publish", str(write_article(site)), env=env)
    assert "issue 1 held for review" in published.output
    assert delivery_states(site) == {}
    add_active(site, 1, prefix="late")
    sent = cli(site, "send")
    assert "sent 0" in sent.output
    released = cli(site, "newsletter", "release", "1")
    assert released.exit_code == 0, released.output
    assert "queued 3 new deliveries" in released.output
    assert "sent 3" in cli(site, "send").output


def test_hold_stops_sending_and_cancel_drops_unsent(site: Path) -> None:
    add_active(site, 3)
    cli(site, "publish", str(write_article(site)))
    held = cli(site, "newsletter", "hold", "1")
    assert held.exit_code == 0 and "held" in held.output
    assert "sent 0" in cli(site, "send").output
    assert delivery_states(site) == {"due": 3}
    cancelled = cli(site, "newsletter", "cancel", "1")
    assert "cancelled 3 unsent deliveries" in cancelled.output
    assert delivery_states(site) == {"cancelled": 3}
    again = cli(site, "newsletter", "cancel", "1")
    assert again.exit_code == 1
    assert again.output.strip().splitlines()[-1] == "Error: issue 1 is already cancelled"
    listed = cli(site, "newsletter", "list")
    assert "cancelled" in listed.output and "Harbour ferry" in listed.output


def test_unknown_issue_is_one_clear_line(site: Path) -> None:
    result = cli(site, "newsletter", "release", "42")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: no issue 42: see `syndicate newsletter list`"


def test_unpublish_cancels_unsent_deliveries(site: Path) -> None:
    add_active(site, 2)
    cli(site, "publish", str(write_article(site)))
    result = cli(site, "unpublish", "1")
    assert result.exit_code == 0, result.output
    assert delivery_states(site) == {"cancelled": 2}
    assert _issues(site)[0].state == "cancelled"
    # Publishing the file again is refused: an unpublished article stays out.
    path = site / "content" / "ferry.md"
    refused = cli(site, "publish", str(path))
    assert refused.exit_code == 1
    assert refused.stderr == (
        "Error: ferry.md: article 1 was unpublished; it stays out until "
        "`syndicate publish content/ferry.md --republish`\n"
    )
    # --republish brings it back, and does not quietly mail it to everyone: that takes --resend.
    again = cli(site, "publish", str(path), "--republish")
    assert again.exit_code == 0 and "issue" not in again.output
    assert len(_issues(site)) == 1


def test_test_send_goes_to_one_address_and_is_not_a_delivery(
    site: Path, smtp_server: SMTPServer
) -> None:
    add_active(site, 2)
    cli(site, "publish", str(write_article(site)))
    result = cli(
        site, "newsletter", "test", "1", "--to", "editor@example.org", env=smtp_server.env()
    )
    assert result.exit_code == 0, result.output
    assert "test copy of issue 1 sent to editor@example.org: 250" in result.output
    (received,) = smtp_server.messages
    assert received.recipients == ("editor@example.org",)
    assert received.message["To"] == "editor@example.org"
    assert "syndicate-placeholder" not in received.data.decode("ascii", "replace")
    assert delivery_states(site) == {"due": 2}
    bad = cli(site, "newsletter", "test", "1", "--to", "not-an-address", env=smtp_server.env())
    assert bad.exit_code == 1 and bad.output.startswith("Error: 'not-an-address' is not")


def test_test_send_checks_the_address_as_a_subscriber_address_is_checked(
    site: Path, smtp_server: SMTPServer
) -> None:
    cli(site, "publish", str(write_article(site)))
    for address in ("ünïcode@example.org", "reader@"):
        added = cli(site, "subscribers", "add", address)
        sent = cli(site, "newsletter", "test", "1", "--to", address, env=smtp_server.env())
        assert added.exit_code == sent.exit_code == 1
        assert sent.output.startswith("Error: ") and sent.output == added.output
    assert not smtp_server.messages
    mixed_case = cli(
        site, "newsletter", "test", "1", "--to", "Editor@EXAMPLE.org", env=smtp_server.env()
    )
    assert mixed_case.exit_code == 0, mixed_case.output
    (received,) = smtp_server.messages
    assert received.recipients == ("Editor@example.org",)  # the domain normalised, as stored


def test_queue_issue_is_one_statement_and_idempotent(site: Path) -> None:
    add_active(site, 4)
    cli(site, "publish", "--no-email", str(write_article(site)))
    settings = settings_for(site)
    engine = open_store(settings)
    statements: list[str] = []
    try:
        [newsletter] = load_newsletters(engine, settings)
        with write_transaction(engine) as conn:
            conn.execute(
                issues.insert().values(
                    id=7,
                    article_pk=1,
                    newsletter_id=newsletter.id,
                    state="held",
                    subject="s",
                    content_hash="h",
                    message=b"m",
                    created_at=sa.func.now(),
                )
            )
            conn.execute(issue_articles.insert().values(issue_id=7, article_pk=1))
        sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        with write_transaction(engine) as conn:
            assert queue_issue(conn, 7) == 4
        inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
        assert len(inserts) == 1 and "SELECT" in inserts[0].upper()
        with write_transaction(engine) as conn:
            assert queue_issue(conn, 7) == 0
        with engine.connect() as conn:
            count = conn.execute(
                sa.select(sa.func.count()).where(deliveries.c.issue_id == 7)
            ).scalar_one()
        assert count == 4
        assert [i.counts["due"] for i in list_issues(engine)] == [4]
    finally:
        engine.dispose()
