"""Several newsletters per site: routing by signup line and tags, memberships, identity."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from email_samples import body_text
from site_helpers import cli
from smtp_server import SMTPServer

from syndicate.config import load_settings
from syndicate.web import create_app

THREE = """
[[newsletters]]
slug = "jpost"
name = "The Jerusalem Post Newsletter"
description = "Every story, as it is published"
tags = ["never-used-tag"]

[[newsletters]]
slug = "culture"
name = "The Culture Letter"
tags = ["culture"]

[[newsletters]]
slug = "everything"
name = "Everything Daily"
"""

CULTURE = """\
---
id: gallery-reopens
title: The harbour gallery reopens with a local show
tags: [Culture]
---

The gallery on the north pier reopens on Saturday with work by twelve local painters.

Entry stays free, and the café on the ground floor opens an hour earlier on market days.
"""

MEMBERS = {
    "only-jpost@example.net": ["jpost"],
    "only-culture@example.net": ["culture"],
    "only-all@example.net": ["everything"],
    "culture-and-all@example.net": ["culture", "everything"],
    "all-three@example.net": ["jpost", "culture", "everything"],
}


@pytest.fixture
def three(site: Path) -> Path:
    with (site / "syndicate.toml").open("a", encoding="utf-8") as handle:
        handle.write(THREE)
    for address, slugs in MEMBERS.items():
        options = [arg for slug in slugs for arg in ("--newsletter", slug)]
        result = cli(site, "subscribers", "add", address, "--confirmed", *options)
        assert result.exit_code == 0, result.output
    return site


def _send(site: Path, server: SMTPServer) -> Counter[str]:
    before = len(server.messages)
    result = cli(site, "send", env=server.env())
    assert result.exit_code == 0, result.output
    return Counter(r for m in server.messages[before:] for r in m.recipients)


def test_the_seed_goes_only_to_the_newsletter_its_signup_line_names(
    three: Path, seed: Path, smtp_server: SMTPServer
) -> None:
    published = cli(three, "publish", str(seed))
    assert published.exit_code == 0, published.output
    assert "[jpost]" in published.output and "[culture]" not in published.output
    got = _send(three, smtp_server)
    assert got == Counter({"only-jpost@example.net": 1, "all-three@example.net": 1})
    for received in smtp_server.messages:
        message = received.message
        assert message["List-Id"] == "The Jerusalem Post Newsletter <jpost.news.example.com>"
        assert message["From"].addresses[0].display_name == "The Jerusalem Post Newsletter"
        assert "/unsubscribe/jpost/" in message["List-Unsubscribe"]
        title = seed.read_text(encoding="utf-8").splitlines()[0].strip()
        assert message["Subject"] == title


def test_a_culture_article_reaches_each_member_of_culture_and_all_once(
    three: Path, smtp_server: SMTPServer
) -> None:
    path = three / "content" / "gallery.md"
    path.write_text(CULTURE, encoding="utf-8")
    published = cli(three, "publish", str(path))
    assert published.exit_code == 0, published.output
    got = _send(three, smtp_server)
    assert got == Counter(
        {
            "only-culture@example.net": 1,
            "only-all@example.net": 1,
            "culture-and-all@example.net": 1,
            "all-three@example.net": 1,
        }
    )
    ids = {m.message["List-Id"] for m in smtp_server.messages}
    assert ids == {
        "The Culture Letter <culture.news.example.com>",
        "Everything Daily <everything.news.example.com>",
    }


def test_one_click_from_one_newsletter_leaves_the_others(
    three: Path, smtp_server: SMTPServer
) -> None:
    path = three / "content" / "gallery.md"
    path.write_text(CULTURE, encoding="utf-8")
    cli(three, "publish", str(path))
    _send(three, smtp_server)
    [culture_copy] = [
        m.message for m in smtp_server.messages if m.recipients == ("all-three@example.net",)
    ]
    link = culture_copy["List-Unsubscribe"].split("<", 1)[1].split(">", 1)[0]
    app = create_app(load_settings(three))
    path_part = link.removeprefix("https://news.example.com")
    try:
        response = app.test_client().post(path_part, data={"List-Unsubscribe": "One-Click"})
    finally:
        app.extensions["syndicate.engine"].dispose()
    assert response.status_code == 200
    slug = path_part.split("/")[2]
    listed = cli(three, "subscribers", "list", "--newsletter", slug).output
    assert "unsubscribed all-three@example.net" in " ".join(listed.split())
    overall = cli(three, "subscribers", "list").output
    assert "active all-three@example.net" in " ".join(overall.split())
    others = [s for s in ("jpost", "culture", "everything") if s != slug]
    for other in others:
        on_other = cli(three, "subscribers", "list", "--newsletter", other).output
        assert "active all-three@example.net" in " ".join(on_other.split())


def test_an_unknown_signup_name_is_routed_by_tags_and_said_once(three: Path) -> None:
    path = three / "content" / "other.md"
    path.write_text(
        CULTURE.replace("gallery-reopens", "other-paper")
        + "\nSubscribe to The Weekly Gazette Newsletter\n\nThe show runs until August.\n",
        encoding="utf-8",
    )
    parsed = json.loads(cli(three, "parse", "--json", str(path)).output)
    assert parsed["newsletter"] == "The Weekly Gazette Newsletter"
    assert parsed["routes_to"] == ["culture", "everything"]
    published = cli(three, "publish", str(path))
    notes = [line for line in published.output.splitlines() if "Weekly Gazette" in line]
    assert len(notes) == 1 and "culture, everything" in notes[0]


def test_count_prints_the_overall_states(three: Path) -> None:
    cli(three, "unsubscribe", "only-culture@example.net", "--newsletter", "culture")
    result = cli(three, "subscribers", "count")
    lines = dict(line.split(None, 1) for line in result.output.splitlines())
    assert lines["active"] == "4" and lines["unsubscribed"] == "1"
    scoped = cli(three, "subscribers", "count", "--newsletter", "jpost").output
    assert dict(line.split(None, 1) for line in scoped.splitlines())["active"] == "2"


def test_adding_an_existing_subscriber_to_another_newsletter(three: Path) -> None:
    result = cli(
        three,
        "subscribers",
        "add",
        "only-jpost@example.net",
        "--confirmed",
        "--newsletter",
        "culture",
    )
    assert result.exit_code == 0, result.output
    assert result.output == "Added only-jpost@example.net to culture (active).\n"
    unknown = cli(three, "subscribers", "count", "--newsletter", "nope")
    assert unknown.exit_code == 1
    assert unknown.output.startswith("Error: no newsletter 'nope' on this site")


def test_newsletters_commands_keep_comments_and_guard_members(three: Path) -> None:
    config = three / "syndicate.toml"
    config.write_text("# our desk\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    added = cli(three, "newsletters", "add", "Sports Wire", "--tag", "sport")
    assert added.output == "Added the newsletter sports-wire (Sports Wire).\n"
    edited = cli(three, "newsletters", "edit", "sports-wire", "--name", "The Sports Wire")
    assert edited.exit_code == 0, edited.output
    text = config.read_text(encoding="utf-8")
    assert text.startswith("# our desk\n") and 'name = "The Sports Wire"' in text
    listed = cli(three, "newsletters", "list").output
    assert "culture" in listed and "3 active" in listed
    refused = cli(three, "newsletters", "remove", "culture")
    assert refused.exit_code == 1
    assert refused.output == (
        "Error: the newsletter culture has 3 members: add --yes to remove it anyway\n"
    )
    assert cli(three, "newsletters", "remove", "culture", "--yes").exit_code == 0
    assert 'slug = "culture"' not in config.read_text(encoding="utf-8")
    plural = " ".join(cli(three, "newsletters", "--help").output.split())
    singular = " ".join(cli(three, "newsletter", "--help").output.split())
    assert "`syndicate newsletter`" in plural and "`syndicate newsletters`" in singular


def test_the_signup_page_offers_each_public_newsletter(three: Path) -> None:
    app = create_app(load_settings(three))
    client = app.test_client()
    try:
        page = client.get("/").get_data(as_text=True)
        assert page.count('type="checkbox" name="newsletters"') == 3
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert token is not None
        form = {
            "csrf_token": token.group(1),
            "email": "new@example.net",
            "newsletters": ["culture"],
        }
        response = client.post("/subscribe", data=form)
        assert response.status_code == 200
    finally:
        app.extensions["syndicate.confirmations"].close()
        app.extensions["syndicate.engine"].dispose()
    listed = cli(three, "subscribers", "list", "--newsletter", "culture").output
    assert "pending new@example.net" in " ".join(listed.split())
    jpost = cli(three, "subscribers", "list", "--newsletter", "jpost").output
    assert "new@example.net" not in jpost


def test_a_newsletter_can_have_templates_of_its_own(three: Path, smtp_server: SMTPServer) -> None:
    packaged = Path(__file__).resolve().parent.parent / "templates" / "email" / "article.txt.j2"
    own = three / "templates" / "email" / "culture" / "article.txt.j2"
    own.parent.mkdir(parents=True)
    own.write_text("From the culture desk.\n\n" + packaged.read_text(encoding="utf-8"))
    path = three / "content" / "gallery.md"
    path.write_text(CULTURE, encoding="utf-8")
    assert cli(three, "publish", str(path)).exit_code == 0
    _send(three, smtp_server)
    marked = {
        m.message["List-Id"]: "From the culture desk." in body_text(m.message)
        for m in smtp_server.messages
    }
    assert marked == {
        "The Culture Letter <culture.news.example.com>": True,
        "Everything Daily <everything.news.example.com>": False,
    }
