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
from django.utils.safestring import SafeString, mark_safe

CARD_COLUMNS = ("pk", "card_html", "display_token")
TEMPLATE = "articles/includes/teaser.html"


def cards(rows) -> list[SafeString]:
    """The cards of rows of CARD_COLUMNS, in their order."""
    from articles.models import Article

    rows = list(rows)
    missing = {pk: token for pk, html, token in rows if not html}
    made = {}
    if missing:
        template = get_template(TEMPLATE)
        for article in Article.objects.filter(pk__in=missing).for_listing():
            made[article.pk] = template.render({"article": article}).strip()
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
    return [mark_safe(html or made.get(pk, "")) for pk, html, _ in rows]
