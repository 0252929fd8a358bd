"""Unpack a corpus of real news pages from a fetched snapshot of flairNLP/fundus.

fundus (MIT licence) keeps, per publisher, a saved article page (`*.html.gz`) and the
answers its maintainers checked by hand (`Publisher.json`: title, authors, publishing date,
summary, body sections, images). The pages are the publishers' text, so they stay out of
this repository: bench/pages_corpus.json lists which files are used, at which commit, with
each file's sha256, and this script writes `NAME.html` + `NAME.json` (the format
bench/pages.py reads) into a folder outside the repository, refusing any file whose
checksum differs. Answers fundus does not give are left out (null) and not scored.

Usage:
    python bench/pages_corpus.py SNAPSHOT_GIT_DIR [OUT]      # default OUT /tmp/pages-corpus
    python bench/pages_corpus.py --make-manifest SNAPSHOT_GIT_DIR
    python bench/pages.py /tmp/pages-corpus

SNAPSHOT_GIT_DIR is the git directory the search tool's fetch gives
(/work/.mirror/flairNLP+fundus/repo); it must hold the manifest's commit.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import subprocess
import sys
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "pages_corpus.json"
DATA = "tests/resources/parser/test_data"
PER_COUNTRY = 2  # the first publishers of each country, so no language dominates
PAGE = re.compile(rf"{DATA}/(\w+)/(\w+?)_(\d{{4}}_\d\d_\d\d)\.html\.gz$")


def git_bytes(snapshot: Path, commit: str, path: str) -> bytes:
    return subprocess.run(
        ["git", "--git-dir", str(snapshot), "show", f"{commit}:{path}"],
        check=True,
        capture_output=True,
    ).stdout


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def version_key(name: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", name))


def make_manifest(snapshot: Path) -> None:
    """Choose the pages (latest parser version of the first publishers per country)."""
    commit = subprocess.run(
        ["git", "--git-dir", str(snapshot), "rev-parse", "HEAD"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    names = subprocess.run(
        ["git", "--git-dir", str(snapshot), "ls-tree", "-r", "--name-only", commit, DATA],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    pages: dict[tuple[str, str], list[str]] = defaultdict(list)
    for name in names:
        if match := PAGE.match(name):
            pages[(match[1], match[2])].append(name)
    chosen: dict[str, int] = defaultdict(int)
    entries = []
    for (country, publisher), htmls in sorted(pages.items()):
        if chosen[country] >= PER_COUNTRY:
            continue
        answers_path = f"{DATA}/{country}/{publisher}.json"
        answers = json.loads(git_bytes(snapshot, commit, answers_path))
        versions = sorted(answers, key=version_key)
        if len(versions) != len(htmls):
            continue  # fundus pairs pages with versions by date; skip what is ambiguous
        html = sorted(htmls)[-1]
        chosen[country] += 1
        entries.append(
            {
                "name": f"{country}-{publisher}",
                "path": html,
                "sha256": sha256(git_bytes(snapshot, commit, html)),
                "answers": answers_path,
                "answers_sha256": sha256(git_bytes(snapshot, commit, answers_path)),
                "version": versions[-1],
                "overrides": {},
            }
        )
    manifest = {"repo": "flairNLP/fundus", "licence": "MIT", "commit": commit, "pages": entries}
    MANIFEST.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(entries)} pages in {MANIFEST}")


def iso_date(text: str | None) -> str | None:
    if not text:
        return None
    return datetime.fromisoformat(text).isoformat()


def cover_urls(images: list[dict[str, Any]] | None) -> list[str] | None:
    """Every size of the cover image counts as the lead: a page gives several."""
    for image in images or []:
        if image.get("is_cover"):
            return [v["url"] for v in image.get("versions", []) if v.get("url")] or None
    return None


def truth(answer: dict[str, Any]) -> dict[str, Any]:
    """The fundus answer in bench/pages.py's format; None where fundus gives nothing."""
    body = answer.get("body") or {}
    paragraphs = []
    for section in body.get("sections", []):
        paragraphs += section.get("headline", []) + section.get("paragraphs", [])
    summary = " ".join(body.get("summary", []))
    return {
        "title": (answer.get("title") or "").strip() or None,
        "dek": summary or None,
        "authors": answer.get("authors"),
        "date": iso_date(answer.get("publishing_date")),
        "lead": cover_urls(answer.get("images")),
        "body": paragraphs,
        "boilerplate": [],
    }


def checked(snapshot: Path, commit: str, path: str, digest: str) -> bytes:
    data = git_bytes(snapshot, commit, path)
    if sha256(data) != digest:
        sys.exit(f"Error: {path} at {commit[:12]} does not match its sha256 in {MANIFEST.name}")
    return data


def extract(snapshot: Path, out: Path) -> None:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    out.mkdir(parents=True, exist_ok=True)
    commit = manifest["commit"]
    for page in manifest["pages"]:
        html = gzip.decompress(checked(snapshot, commit, page["path"], page["sha256"]))
        answers = json.loads(checked(snapshot, commit, page["answers"], page["answers_sha256"]))
        expected = truth(answers[page["version"]]) | page["overrides"]
        (out / f"{page['name']}.html").write_bytes(html)
        (out / f"{page['name']}.json").write_text(
            json.dumps(expected, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    print(f"{len(manifest['pages'])} pages written to {out}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--make-manifest"] and len(sys.argv) == 3:
        make_manifest(Path(sys.argv[2]))
    elif len(sys.argv) in (2, 3):
        extract(Path(sys.argv[1]), Path(sys.argv[2] if len(sys.argv) == 3 else "/tmp/pages-corpus"))
    else:
        sys.exit(__doc__)
