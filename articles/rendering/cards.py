"""Article cards in lists, rendered once and kept in Article.card_html.

A list page reads each card as a stored string with its article's row (one
query for the page), so a cold list builds no model instances and runs no
template per card. A card missing (never rendered, or forgotten because
something it shows changed: see Article.forget_display and signals.py) is
rendered from the database and stored, unless its article's display_token
moved meanwhile: a card made from data older than a change is never kept.
"""

from django.db.models import Case, F, TextField, Value, When
from django.template.loader import get_template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

CARD_COLUMNS = ("pk", "card_html", "display_token")
# Leads every stored card; moved when the card's template changes, so cards
# of another shape are made again on their next read.
CARD_MARK = "<!--card:2-->"
TEMPLATE = "articles/includes/teaser.html"
# Where a card's headline and dek stand (teaser.html marks them), so that
# search shows the stored card with its matches highlighted and an excerpt.
_TITLE = ("<!--title-->", "<!--/title-->")
_DEK = ("<!--dek-->", "<!--/dek-->")


def cards(rows) -> list[SafeString]:
    """The cards of rows of CARD_COLUMNS, in their order."""
    from articles.models import Article

    rows = list(rows)
    missing = {pk: token for pk, html, token in rows if not html.startswith(CARD_MARK)}
    made = {}
    if missing:
        template = get_template(TEMPLATE)
        for article in Article.objects.filter(pk__in=missing).for_listing():
            made[article.pk] = CARD_MARK + template.render({"article": article}).strip()
        if made:
            Article.objects.filter(pk__in=made).update(
                card_html=Case(
                    *(
                        When(pk=pk, display_token=missing[pk], then=Value(html))
                        for pk, html in made.items()
                    ),
                    default=F("card_html"),
                    output_field=TextField(),
                )
            )
    return [mark_safe(made.get(pk, html)) for pk, html, _ in rows]


def with_slots(card: str, *, title: SafeString, dek: SafeString | None) -> SafeString:
    """The card with its headline replaced, and its dek too when `dek` is
    given (both already safe HTML: search's highlighted text)."""
    card = _fill(card, _TITLE, title)
    if dek is not None:
        card = _fill(card, _DEK, format_html("<p>{}</p>", dek) if dek else "")
    return mark_safe(card)


def _fill(card: str, marks: tuple[str, str], html: str) -> str:
    start, end = marks
    before, found, rest = card.partition(start)
    if not found:
        return card
    _, found, after = rest.partition(end)
    return f"{before}{start}{html}{end}{after}" if found else card
