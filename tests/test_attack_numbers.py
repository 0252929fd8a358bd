"""Issue 17: numbers beyond what the database holds are one Error line or a 400, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest
from site_helpers import cli

from syndicate.config import load_settings
from syndicate.subscribers.tokens import make_token
from syndicate.web import create_app

HUGE = "99999999999999999999999"
ARTICLE = """---
title: Night ferry returns
date: 2025-05-02
---

The night ferry across the bay runs again from Friday, after a winter of engine repairs
that kept the old boat tied up at the east pier while crews rebuilt its gearbox.
"""


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("unpublish", HUGE),
            f"Error: no article '{HUGE}': use a number or an id from `syndicate articles`\n",
        ),
        (
            ("newsletter", "hold", HUGE),
            f"Error: no issue {HUGE}: see `syndicate newsletter list`\n",
        ),
        (
            ("newsletter", "release", HUGE),
            f"Error: no issue {HUGE}: see `syndicate newsletter list`\n",
        ),
        (
            ("newsletter", "cancel", HUGE),
            f"Error: no issue {HUGE}: see `syndicate newsletter list`\n",
        ),
        (
            ("newsletter", "test", HUGE, "--to", "editor@example.com"),
            f"Error: no issue {HUGE}: see `syndicate newsletter list`\n",
        ),
        (
            ("newsletter", "hold", str(2**63)),
            f"Error: no issue {2**63}: see `syndicate newsletter list`\n",
        ),
    ],
)
def test_huge_ids_are_one_error_line(site: Path, args: tuple[str, ...], line: str) -> None:
    result = cli(site, *args)
    assert (result.exit_code, result.stderr) == (1, line)


@pytest.mark.parametrize("command", [("newsletter", "list"), ("send",)])
def test_a_huge_limit_means_no_limit(site: Path, command: tuple[str, ...]) -> None:
    assert cli(site, "subscribers", "add", "reader@example.net", "--confirmed").exit_code == 0
    article = site / "content" / "ferry.md"
    article.write_text(ARTICLE, encoding="utf-8")
    assert cli(site, "publish", str(article)).exit_code == 0
    result = cli(site, *command, "--limit", HUGE)
    assert result.exit_code == 0, result.output
    assert "Error" not in result.output and "1" in result.stdout


@pytest.mark.parametrize("purpose", ["confirm", "unsubscribe"])
@pytest.mark.parametrize("number", [2**70, 2**63, 0, -5])
def test_a_signed_token_for_an_impossible_id_is_a_400(
    site: Path, purpose: str, number: int
) -> None:
    settings = load_settings(site)
    token = make_token(settings, purpose, number)
    app = create_app(settings)
    client = app.test_client()
    try:
        for method in (client.get, client.post):
            response = method(f"/{purpose}/{token}")
            assert response.status_code == 400
            assert "This link does not work" in response.get_data(as_text=True)
    finally:
        app.extensions["syndicate.engine"].dispose()
    result = cli(site, purpose, token)
    assert result.exit_code == 1 and result.stderr.startswith("Error: this ")
