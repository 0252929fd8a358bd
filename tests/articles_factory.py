"""Articles built in tests: our own example text, never the seed's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from syndicate.model import Article, Figure, Heading, Paragraph

BASE_DAY = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def make_article(
    number: int = 1,
    *,
    title: str | None = None,
    body: str = "The council met on Tuesday to discuss the new cycle lanes.",
    **changes: object,
) -> Article:
    """Return a small article; `number` varies its title, path and date (a day apart)."""
    article = Article(
        title=title or f"Cycle lanes plan, part {number}",
        slug=f"cycle-lanes-plan-part-{number}",
        blocks=(
            Paragraph(body, body),
            Heading("What happens next", "What happens next"),
            Paragraph(
                "Residents can comment until the end of the month.",
                'Residents can <a href="/consultation">comment</a> until the end of the month.',
            ),
        ),
        dek="A short summary of the plan.",
        authors=("Dana Reyes",),
        published=BASE_DAY + timedelta(days=number),
        language="en",
        tags=("Transport",),
        lead=Figure("The lane on Mill Road.", "Photo: City Desk", "/img/lane.jpg", None),
        path=f"content/article-{number}.md",
    )
    return article.with_changes(**changes) if changes else article
