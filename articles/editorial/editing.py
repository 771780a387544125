"""Autosave, presence and the edit lock, for the article form.

The form's page (static/articles/editing.js) posts what the editor typed
every few seconds to `autosave`, and calls `presence` every few seconds to
say it is still open. The first editor to open an article holds its lock;
the others see who does and may take it over, and the editor who lost it is
told on their page's next call, before they save. A save by anyone but the
lock's holder is refused (ArticleForm.clean) while the holder's page is open;
their text is kept as their autosave, so nothing is lost.

Everything here is behind the admin's login and the article rule
(permissions.can_change); nothing touches a public page or a revision.
"""

from django.db import IntegrityError, transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from ..models import Article, Autosave, EditSession
from ..models.editing import AUTOSAVED_FIELDS, PRESENCE_TIMEOUT
from .permissions import can_change, is_writer

MAX_FIELD = 200_000  # characters an autosaved field may hold (the body's cap is lower)


def display_name(user) -> str:
    return user.get_full_name() or user.get_username()


def text_fields(data) -> dict[str, str]:
    """The autosaved fields of a posted form, each cut to MAX_FIELD, and the
    edit token of the version they were typed on: restored, the text is saved
    against that version, so a save made since by someone else is a conflict
    shown side by side, never silently overwritten."""
    fields = {
        name: str(data.get(name, ""))[:MAX_FIELD]
        for name in AUTOSAVED_FIELDS
        if name in data
    }
    if data.get("edit_token"):
        fields["edit_token"] = str(data["edit_token"])[:64]
    return fields


def keep(user, article, data) -> Autosave:
    """Store what `user` typed in `article`'s form (None: a new article)."""
    fields = text_fields(data)
    saved, _ = Autosave.objects.update_or_create(
        user=user,
        article=article,
        defaults={"fields": fields, "saved_at": timezone.now()},
    )
    return saved


def offered(user, article) -> Autosave | None:
    """The autosave to offer back when `user` opens the form: only one that
    differs from what the article holds now."""
    saved = Autosave.objects.filter(user=user, article=article).first()
    if saved is None:
        return None

    def same(name):
        typed = saved.fields.get(name, getattr(article, name))
        return _lines(typed) == _lines(getattr(article, name))

    if article is not None and all(same(name) for name in AUTOSAVED_FIELDS):
        saved.delete()  # nothing in it that the article lacks
        return None
    return saved


def _lines(text) -> str:
    return (text or "").replace("\r\n", "\n")


def forget(user, article) -> None:
    Autosave.objects.filter(user=user, article=article).delete()


def holder(article) -> EditSession | None:
    """The live session holding the article's lock, if any."""
    return (
        EditSession.objects.filter(
            article=article,
            holds_lock=True,
            seen_at__gt=timezone.now() - PRESENCE_TIMEOUT,
        )
        .select_related("user")
        .first()
    )


def refusal(user, article) -> str | None:
    """Why `user` may not save `article` now: another editor holds the lock
    with the form open. None if they may."""
    held = holder(article)
    if held is None or held.user_id == user.pk:
        return None
    return display_name(held.user)


def heartbeat(user, article, *, take: bool = False) -> dict:
    """Record that `user` has the form open; take the lock if it is free
    (or, with `take`, from whoever holds it). Returns what the page shows."""
    now = timezone.now()
    with transaction.atomic():
        mine, _ = EditSession.objects.update_or_create(
            article=article, user=user, defaults={"seen_at": now}
        )
        current = holder(article)
        if current is None or (take and current.user_id != user.pk):
            if current is not None:
                current.holds_lock = False
                current.taken_by = user
                current.save(update_fields=["holds_lock", "taken_by"])
            # A holder whose page stopped calling keeps the flag, not the lock.
            EditSession.objects.filter(article=article, holds_lock=True).exclude(
                pk=mine.pk
            ).update(holds_lock=False)
            try:
                with transaction.atomic():
                    EditSession.objects.filter(pk=mine.pk).update(
                        holds_lock=True, taken_by=None
                    )
            except IntegrityError:  # another editor took it in the meantime
                pass
        mine.refresh_from_db()
        taken_by = mine.taken_by
        if taken_by is not None:  # told now, once
            EditSession.objects.filter(pk=mine.pk).update(taken_by=None)
    return state(user, article, taken_by=taken_by)


def state(user, article, *, taken_by=None) -> dict:
    sessions = (
        EditSession.objects.filter(
            article=article, seen_at__gt=timezone.now() - PRESENCE_TIMEOUT
        )
        .select_related("user")
        .order_by("opened_at")
    )
    held = next((s for s in sessions if s.holds_lock), None)
    return {
        "holder": display_name(held.user) if held else None,
        "mine": bool(held and held.user_id == user.pk),
        "others": [display_name(s.user) for s in sessions if s.user_id != user.pk],
        "taken_by": display_name(taken_by) if taken_by else None,
    }


def leave(user, article) -> None:
    EditSession.objects.filter(article=article, user=user).delete()


# --- the views (mounted by ArticleAdmin.get_urls, behind admin_view) ---------


def _article_for(request, object_id) -> Article:
    article = get_object_or_404(Article, pk=object_id)
    if not can_change(request.user, article):
        raise Http404  # as the change view: no hint whether it exists
    return article


@require_POST
def autosave_view(request, object_id=None):
    """POST the form's fields: kept as the user's autosave of the article."""
    if object_id is None:
        if not is_writer(request.user):
            raise Http404
        article = None
    else:
        article = _article_for(request, object_id)
    saved = keep(request.user, article, request.POST)
    return JsonResponse({"saved_at": saved.saved_at.isoformat()})


@require_POST
def discard_view(request, object_id=None):
    article = None if object_id is None else _article_for(request, object_id)
    if object_id is None and not is_writer(request.user):
        raise Http404
    forget(request.user, article)
    return JsonResponse({"discarded": True})


@require_POST
def presence_view(request, object_id):
    """The page is open: who else is, and who holds the lock. POST take=1
    takes the lock over; leave=1 closes the session."""
    article = _article_for(request, object_id)
    if request.POST.get("leave"):
        leave(request.user, article)
        return JsonResponse({"left": True})
    return JsonResponse(
        heartbeat(request.user, article, take=bool(request.POST.get("take")))
    )


# --- an edit conflict, side by side ------------------------------------------

# Texts longer than this are shown side by side without a line diff: difflib
# takes time that grows with the square of their lines.
DIFF_MAX_LINES = 400
DIFF_MAX_CHARS = 40_000


def _shown(value) -> str:
    if value is None:
        return "—"
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def conflict_rows(form) -> list[dict]:
    """Every field of the form the two versions differ in (the publication
    fields too: "keep mine" saves all of them): its label, the saved value,
    the editor's, and for texts a line diff (HTML escaped by difflib) when
    they are short enough."""
    import difflib

    from django.utils.safestring import mark_safe

    current = form.conflict
    cleaned = getattr(form, "cleaned_data", {})
    rows = []
    for name, field in form.fields.items():
        if name == "edit_token" or name not in cleaned:
            continue
        try:
            theirs = getattr(current, name)
        except AttributeError:
            continue
        mine = cleaned[name]
        if isinstance(theirs, str) or isinstance(mine, str):
            theirs, mine = (
                (theirs or "").replace("\r\n", "\n"),
                (mine or "").replace("\r\n", "\n"),
            )
        if mine == theirs:
            continue
        labels = (
            dict(getattr(field, "choices", None) or ()) if isinstance(mine, str) else {}
        )
        row = {
            "label": field.label,
            "theirs": labels.get(theirs, _shown(theirs)),
            "mine": labels.get(mine, _shown(mine)),
        }
        text = isinstance(theirs, str) and name in AUTOSAVED_FIELDS
        small = (
            (
                len(theirs) + len(mine) <= DIFF_MAX_CHARS
                and theirs.count("\n") + mine.count("\n") <= DIFF_MAX_LINES
            )
            if text
            else False
        )
        if small:
            row["diff"] = mark_safe(  # difflib escapes both texts
                difflib.HtmlDiff(wrapcolumn=60).make_table(
                    theirs.splitlines(),
                    mine.splitlines(),
                    fromdesc=str(_("saved by someone else")),
                    todesc=str(_("yours")),
                    context=True,
                    numlines=2,
                )
            )
        rows.append(row)
    return rows
