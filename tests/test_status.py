"""`syndicate status`: the last run, issues under way, the next scheduled article, bounces."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from delivery_helpers import add_active, write_article
from site_helpers import cli, store

from syndicate.store import articles, subscribers, utcnow


def test_status_json_after_a_failed_run_a_held_issue_and_a_scheduled_article(site: Path) -> None:
    add_active(site, 4)
    (site / "content" / "broken.md").write_text("---\ntitle: [unclosed\n---\nText.\n")
    write_article(site)
    run = cli(site, "run", "--quiet", env={"SYNDICATE_HOLD": "true"})
    assert run.exit_code == 1
    assert run.stderr.splitlines()[-1] == "Error: 1 file could not be published"
    soon = utcnow() + timedelta(days=2)
    with store(site) as engine, engine.begin() as conn:
        conn.execute(articles.update().values(state="scheduled", published=soon))
        conn.execute(
            subscribers.update()
            .where(subscribers.c.email == "reader0000@example.net")
            .values(state="bounced", bounced_at=utcnow() - timedelta(days=3))
        )
        conn.execute(
            subscribers.update()
            .where(subscribers.c.email == "reader0001@example.net")
            .values(state="bounced", bounced_at=utcnow() - timedelta(days=40))
        )
        for number, days in ((2, 5), (3, 40)):  # one complaint inside the 30 days, one before
            conn.execute(
                subscribers.update()
                .where(subscribers.c.email == f"reader000{number}@example.net")
                .values(
                    state="unsubscribed",
                    unsubscribe_method="complaint",
                    unsubscribed_at=utcnow() - timedelta(days=days),
                )
            )

    result = cli(site, "status", "--json")
    assert result.exit_code == 1  # the last run failed
    data = json.loads(result.stdout)
    assert data["failed"] is True
    assert data["last_run"]["outcome"] == "failed"
    assert data["last_run"]["error"] == "1 file could not be published"
    assert data["last_run"]["published"] == 1
    assert data["issue_counts"] == {"held": 1, "waiting": 0, "sending": 0}
    assert data["issues"] == [
        {
            "id": 1,
            "state": "held",
            "subject": "Harbour ferry doubles its crossings",
            "gone_out": 0,
            "total": 0,
        }
    ]
    assert data["next_scheduled"] == {
        "title": "Harbour ferry doubles its crossings",
        "published": soon.replace(microsecond=0).isoformat(),
    }
    assert (data["bounces"], data["complaints"]) == (1, 1)

    text = cli(site, "status")
    assert text.exit_code == 1
    lines = text.stdout.splitlines()
    assert lines[0].endswith(
        ", failed: 1 file could not be published (1 article published, 0 sent)"
    )
    assert lines[1] == "issues: 1 held, 0 waiting, 0 sending"
    assert lines[2] == "     1  held     0/0  Harbour ferry doubles its crossings"
    assert lines[3].startswith("next scheduled article: ")
    assert lines[4] == "last 30 days: 1 bounce, 1 complaint"


def test_status_after_a_good_run_exits_0(site: Path) -> None:
    assert cli(site, "status").stdout.splitlines()[0] == "last run: none yet"
    write_article(site)
    assert cli(site, "run", "--quiet").exit_code == 0
    result = cli(site, "status", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["last_run"]["outcome"] == "ok" and data["last_run"]["error"] is None
    assert data["issues"] == [] and data["next_scheduled"] is None


def test_run_deletes_signups_never_confirmed_after_30_days(site: Path) -> None:
    for address in ("old@example.com", "new@example.com"):
        (site / "one.txt").write_text(address + "\n")
        assert cli(site, "subscribers", "import", str(site / "one.txt")).exit_code == 0
    with store(site) as engine, engine.begin() as conn:
        conn.execute(
            subscribers.update()
            .where(subscribers.c.email == "old@example.com")
            .values(created_at=utcnow() - timedelta(days=31), signup_client="203.0.113.9")
        )
    result = cli(site, "run")
    assert result.exit_code == 0, result.output
    assert "deleted 1 pending signup never confirmed" in result.stdout
    with store(site) as engine, engine.connect() as conn:
        rows = conn.execute(sa.select(subscribers.c.email, subscribers.c.signup_client)).all()
    assert [tuple(row) for row in rows] == [("new@example.com", None)]
