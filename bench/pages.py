"""Score the HTML reader against trafilatura alone on the same pages.

Each page `NAME.html` in the corpus folders has `NAME.json` beside it with what a careful
reader recovers: title, dek, authors, date, lead image URL, body paragraphs, and
boilerplate snippets that must stay out. Titles and deks compare as a reader sees them
(a no-break space counts as a space, a run of white space as one). Prints each figure for syndicate and for
trafilatura (`bare_extraction` with metadata), and pages per second.

bench/pages/ holds pages of the project's own writing; other folders given on the
command line (pages fetched from elsewhere, kept out of the repository, such as the
folder bench/pages_corpus.py writes) are scored too. An answer given as null is not scored
(the page's source did not check it); a lead given as a list accepts any of its URLs.

With -v, each page where syndicate misses a field prints the field, the answer and both
guesses, and the page's body F1 for both where syndicate's is under 0.9 and trafilatura's.

Usage: python bench/pages.py [-v] [FOLDER ...]
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


@dataclass
class Guess:
    title: str = ""
    dek: str = ""
    authors: list[str] = field(default_factory=list)
    date: str = ""
    lead: str = ""
    body: str = ""
    captions: str = ""


def tokens(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.casefold()))


def f1(ours: str, truth: str) -> float:
    a, b = tokens(ours), tokens(truth)
    common = sum((a & b).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def syndicate_guess(path: Path, settings: Any) -> Guess:
    from syndicate.model import Figure
    from syndicate.readers import read_article

    article = read_article(path, settings)
    texts = [getattr(b, "text", "") or " ".join(getattr(b, "items", ())) for b in article.blocks]
    captions = [b.caption for b in article.blocks if isinstance(b, Figure)]
    return Guess(
        title=article.title,
        dek=article.dek or "",
        authors=list(article.authors),
        date=article.published.isoformat() if article.published else "",
        lead=(article.lead.src or "") if article.lead else "",
        body="\n".join(t for t in texts if t),
        captions="\n".join(captions),
    )


def trafilatura_guess(path: Path) -> Guess:
    import trafilatura

    doc = trafilatura.bare_extraction(path.read_text(encoding="utf-8"), with_metadata=True)
    if doc is None:
        return Guess()
    data = doc if isinstance(doc, dict) else doc.as_dict()
    return Guess(
        title=data.get("title") or "",
        dek=data.get("description") or "",
        authors=[a.strip() for a in (data.get("author") or "").split(";") if a.strip()],
        date=data.get("date") or "",
        lead=data.get("image") or "",
        body=data.get("text") or "",
    )


def same_date(guess: str, truth: str) -> bool:
    """A date counts when it gives the same day and, where the truth has one, the same time."""
    from datetime import datetime

    if not guess:
        return False
    try:
        ours, real = datetime.fromisoformat(guess), datetime.fromisoformat(truth)
    except ValueError:
        return False
    if "T" not in guess:
        return False  # a day without its time loses the time the page gave
    return ours.replace(microsecond=0) == real.replace(microsecond=0)


def image_ids(url: str) -> set[str]:
    """The identifiers in an image address: file names, hashes, numbers, not sizes or hosts."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(unquote(url).casefold())
    words = re.findall(r"[a-z0-9_]{6,}", f"{parts.path} {parts.query}")
    return {w for w in words if re.search(r"\d", w) and not re.fullmatch(r"\d+x\d+", w)}


def same_image(ours: str, truth: str) -> bool:
    """The same picture at any size: the answers list one rendition, a page gives several."""
    return bool(ours) and (ours == truth or bool(image_ids(ours) & image_ids(truth)))


def matches(guess: Guess, truth: dict[str, Any], key: str) -> bool | None:
    """Whether a field is right; None where the answer does not give it (not scored)."""
    real = truth.get("date" if key == "day" else key)
    if real is None:
        return None
    ours = getattr(guess, "date" if key == "day" else key)
    if key == "date":
        return same_date(ours, real)
    if key == "day":
        return bool(ours) and ours[:10] == truth["date"][:10]
    if key == "lead" and isinstance(real, list):
        return any(same_image(ours, url) for url in real)
    if key in ("title", "dek"):
        # Text as a reader sees it: a no-break space is a space, runs of spaces one space.
        return " ".join(ours.split()) == " ".join(real.split())
    return bool(ours == real)


def tally(guesses: list[tuple[Guess, dict[str, Any]]], key: str) -> str:
    marks = [m for g, t in guesses if (m := matches(g, t, key)) is not None]
    return f"{sum(marks)}/{len(marks)}"


def score(guesses: list[tuple[Guess, dict[str, Any]]], seconds: float) -> dict[str, str]:
    n = len(guesses)
    snippets = sum(len(t["boilerplate"]) for _, t in guesses)
    kept_out = sum(s not in f"{g.body}\n{g.captions}" for g, t in guesses for s in t["boilerplate"])
    fields = {
        "title exact": "title",
        "dek": "dek",
        "authors": "authors",
        "date": "date",
        "date, same day": "day",
    }
    return {
        **{label: tally(guesses, key) for label, key in fields.items()},
        "lead image": tally(guesses, "lead"),
        "body token F1": f"{sum(f1(g.body, chr(10).join(t['body'])) for g, t in guesses) / n:.3f}",
        "boilerplate kept out": f"{kept_out}/{snippets}",
        "pages/s": f"{n / seconds:.1f}",
    }


def show_misses(
    pages: list[Path], truths: list[dict[str, Any]], guesses: dict[str, list[Guess]]
) -> None:
    """Print, page by page, each field syndicate got wrong, with the answer and both guesses."""
    ours, theirs = guesses["syndicate"], guesses["trafilatura"]
    for page, truth, mine, other in zip(pages, truths, ours, theirs, strict=True):
        lines = []
        for key in ("title", "dek", "authors", "date", "lead"):
            hit = matches(mine, truth, key)
            if hit is None or hit:
                continue
            lines.append(f"  {key}: want {truth[key]!r}")
            lines.append(f"       syndicate   {getattr(mine, key)!r}")
            lines.append(f"       trafilatura {getattr(other, key)!r}")
        body = chr(10).join(truth["body"])
        mine_f1, their_f1 = f1(mine.body, body), f1(other.body, body)
        if mine_f1 < min(0.9, their_f1):
            lines.append(f"  body F1 syndicate {mine_f1:.3f} trafilatura {their_f1:.3f}")
        kept = [s for s in truth["boilerplate"] if s in f"{mine.body}{chr(10)}{mine.captions}"]
        lines += [f"  boilerplate kept: {s!r}" for s in kept]
        if lines:
            print(page.name, *lines, sep=chr(10))


def main(folders: list[Path], verbose: bool = False) -> None:
    from syndicate.config import load_settings

    pages = [p for folder in folders for p in sorted(folder.glob("*.html"))]
    pages = [p for p in pages if p.with_suffix(".json").is_file()]
    if not pages:
        sys.exit("no pages with a .json beside them")
    truths = [json.loads(p.with_suffix(".json").read_text(encoding="utf-8")) for p in pages]
    settings = load_settings(Path(tempfile.mkdtemp()) / "site")
    import trafilatura  # noqa: F401 - imported before timing, for both

    results = {}
    all_guesses: dict[str, list[Guess]] = {}
    readers = (
        ("syndicate", lambda p: syndicate_guess(p, settings)),
        ("trafilatura", trafilatura_guess),
    )
    for _, guess in readers:
        guess(pages[0])  # warm up: caches and lazy imports are not what is measured
    for name, guess in readers:
        start = time.perf_counter()
        guesses = all_guesses[name] = [guess(p) for p in pages]
        results[name] = score(list(zip(guesses, truths, strict=True)), time.perf_counter() - start)
    if verbose:
        show_misses(pages, truths, all_guesses)
    print(f"{len(pages)} pages")
    print(f"{'':<22}{'syndicate':>12}{'trafilatura':>14}")
    for key in results["syndicate"]:
        print(f"{key:<22}{results['syndicate'][key]:>12}{results['trafilatura'][key]:>14}")
    ratio = float(results["trafilatura"]["pages/s"]) / float(results["syndicate"]["pages/s"])
    print(f"time per page, syndicate / trafilatura: {ratio:.2f}x")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "-v"]
    main([HERE / "pages", *(Path(a) for a in args)], verbose="-v" in sys.argv[1:])
