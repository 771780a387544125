"""The curated part of a front page, from what was published (or, in the
admin's preview, from the draft): the breaking-news strip while it lasts, the
lead story and the pinned stories, as the stored cards of those readers may
see."""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.safestring import SafeString

from articles.models import Article
from articles.models.fronts import Front, front_name, validate_link
from articles.pagecache import depends_on

from .cards import CARD_COLUMNS, cards


@dataclass
class Curated:
    lead: SafeString | None = None
    pins: list[SafeString] = field(default_factory=list)
    breaking: dict | None = None
    # In a preview: the chosen stories readers would not see, with why.
    hidden: list[tuple[str, str]] = field(default_factory=list)
    preview: Front | None = None

    def __bool__(self):
        return bool(self.lead or self.pins or self.breaking or self.preview)


NOT_READ = object()


def front_part(
    request, section_id: int | None, preview: Front | None = None, live=NOT_READ
):
    """The curated part of the home page (section_id None) or a section
    front: `live` is what readers see of it if the caller read it already
    (None: the page has no front), `preview` a front whose draft to show
    instead."""
    if preview is not None:
        chosen = preview.draft()
    else:
        # Publishing a front, or creating one, moves this name.
        depends_on(request, front_name(section_id))
        if live is NOT_READ:
            live = (
                Front.objects.filter(section_id=section_id)
                .values_list("live", flat=True)
                .first()
            )
        chosen = live or {}
    lead = chosen.get("lead")
    pins = [pk for pk in chosen.get("pins", ()) if pk != lead]
    ids = [pk for pk in [lead, *pins] if pk is not None]
    # Each story shown, or chosen and not (yet) public: one published,
    # retitled or withdrawn changes this page.
    depends_on(request, *(f"article:{pk}" for pk in ids))
    rows = list(
        Article.objects.published().filter(pk__in=ids).values_list(*CARD_COLUMNS)
    )
    card_of = dict(zip([row[0] for row in rows], cards(rows), strict=True))
    part = Curated(
        lead=card_of.get(lead),
        pins=[card_of[pk] for pk in pins if pk in card_of],
        breaking=_current(chosen.get("breaking")),
        preview=preview,
    )
    if preview is not None:
        part.hidden = _not_shown([pk for pk in ids if pk not in card_of])
    return part


def _current(breaking: dict | None) -> dict | None:
    """The strip, unless its time is up (the page cache moves the page then:
    pagecache/dependencies.py)."""
    if not breaking or not breaking.get("text"):
        return None
    until = breaking.get("until")
    if until and datetime.fromisoformat(until) <= timezone.now():
        return None
    link = breaking.get("link") or ""
    try:
        validate_link(link)
    except ValidationError:
        link = ""  # stored by other means than the form: shown unlinked
    return {**breaking, "link": link}


def _not_shown(ids: list[int]) -> list[tuple[str, str]]:
    found = {
        article.pk: article
        for article in Article.objects.filter(pk__in=ids).only(
            "pk", "title", "status", "published_at", "unpublish_at", "embargo_until"
        )
    }
    hidden = []
    for pk in ids:
        article = found.get(pk)
        if article is None:
            hidden.append((f"#{pk}", "已刪除"))
        elif article.is_withdrawn:
            hidden.append((article.title, "已撤下"))
        elif article.status == Article.Status.PUBLISHED:
            hidden.append(
                (
                    article.title,
                    f"排程於 {timezone.localtime(article.published_at):%Y-%m-%d %H:%M} 發佈",
                )
            )
        else:
            hidden.append((article.title, article.get_status_display()))
    return hidden
