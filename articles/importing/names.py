"""Authors, sections and tags of a batch: found by name key or created in bulk."""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.core.validators import validate_unicode_slug
from django.db import DatabaseError
from django.utils.text import slugify

from articles.models import Author, Category, Tag

from .parse import ParsedArticle, normalize_name

# An uploaded avatar comes only with an export's author cards.
AUTHOR_FIELDS = ("role", "bio", "avatar_url", "avatar")


def authors_for(items: list[ParsedArticle]) -> dict[str, Author]:
    """Authors of the batch by normalised name, created and updated as needed."""
    wanted: dict[str, dict] = {}
    for item in items:
        for byline in item.bylines:
            entry = wanted.setdefault(
                normalize_name(byline.name), {"name": byline.name}
            )
            if byline.role:
                entry["role"] = byline.role
        card = item.author_card
        if card is not None:
            key = _card_owner(item)
            if key is not None:
                entry = wanted[key]
                entry["bio"] = card.bio
                if card.avatar_url:
                    entry["avatar_url"] = card.avatar_url
                if card.role and "role" not in entry:
                    entry["role"] = card.role
        # An export names each author's fields exactly: they are the author's.
        for card in item.author_cards:
            entry = wanted.setdefault(normalize_name(card.name), {"name": card.name})
            if card.slug:
                entry.setdefault("slug", card.slug)
            entry |= {
                "role": card.role,
                "bio": card.bio,
                "avatar_url": card.avatar_url,
                "avatar": card.avatar,
            }
    found = get_or_create_named(Author, wanted, extra_fields=AUTHOR_FIELDS)
    changed = []
    for key, entry in wanted.items():
        author = found[key]
        dirty = False
        for attr in AUTHOR_FIELDS:
            if attr in entry and getattr(author, attr) != entry[attr]:
                setattr(author, attr, entry[attr])
                dirty = True
        if dirty:
            changed.append(author)
    if changed:
        Author.objects.bulk_update(changed, list(AUTHOR_FIELDS))
    return found


def _first_spelling(names) -> dict[str, dict]:
    """Names by key; a name met in several spellings keeps the first."""
    wanted: dict[str, dict] = {}
    for name in names:
        wanted.setdefault(normalize_name(name), {"name": name})
    return wanted


def categories_for(items: list[ParsedArticle]) -> dict[str, Category]:
    wanted = _first_spelling(i.category for i in items if i.category)
    _wish_slugs(wanted, ((i.category, i.category_slug) for i in items if i.category))
    return get_or_create_named(Category, wanted)


def tags_for(items: list[ParsedArticle]) -> dict[str, Tag]:
    wanted = _first_spelling(tag for i in items for tag in i.tags)
    _wish_slugs(
        wanted,
        (
            pair
            for i in items
            if i.tag_slugs
            for pair in zip(i.tags, i.tag_slugs, strict=True)
        ),
    )
    return get_or_create_named(Tag, wanted)


def _wish_slugs(wanted: dict[str, dict], pairs) -> None:
    """The slugs an export gives its names, for names that are new here."""
    for name, slug in pairs:
        if slug:
            wanted[normalize_name(name)].setdefault("slug", slug)


def _card_owner(item: ParsedArticle) -> str | None:
    """Which byline the author card describes: the one it names, else a lone one."""
    card = item.author_card
    names = [normalize_name(b.name) for b in item.bylines]
    if card is None or not names:
        return None
    key = normalize_name(card.name)
    if key in names:
        return key
    return names[0] if len(names) == 1 else None


def get_or_create_named(model, wanted: dict[str, dict], extra_fields=()) -> dict:
    """Rows of a model with `name` and a unique `slug`, keyed by normalised name.

    One query finds the existing rows (case-insensitively), one bulk insert
    adds the missing ones with free slugs, and one query reads them back.
    """
    if not wanted:
        return {}
    found = _find_named(model, wanted)
    missing = {key: entry for key, entry in wanted.items() if key not in found}
    if missing:
        slugs = _free_slugs(
            model,
            {key: entry["name"] for key, entry in missing.items()},
            {key: entry["slug"] for key, entry in missing.items() if "slug" in entry},
        )
        model.objects.bulk_create(
            [
                model(
                    name=entry["name"],
                    name_key=key,
                    slug=slugs[key],
                    **{f: entry[f] for f in extra_fields if f in entry},
                )
                for key, entry in missing.items()
            ],
            ignore_conflicts=True,
        )
        found.update(_find_named(model, missing))
    lost = [entry["name"] for key, entry in wanted.items() if key not in found]
    if lost:
        raise DatabaseError(f"could not create {model.__name__} {lost[:5]}")
    return found


def _find_named(model, wanted: dict[str, dict]) -> dict:
    """Rows whose name key (the normalised name, stored) is wanted."""
    return {
        obj.name_key: obj for obj in model.objects.filter(name_key__in=list(wanted))
    }


def wished_slug(slug: str) -> str:
    """An export's slug as it is when it is one (capitals and all, as the
    admin lets editors write them), else made one."""
    try:
        validate_unicode_slug(slug)
    except ValidationError:
        return slugify(slug, allow_unicode=True).strip("-_")
    return slug


def _free_slugs(model, names: dict[str, str], wishes=None) -> dict[str, str]:
    """A unique Unicode slug for each name (the one `wishes` gives it, made a
    slug, if any), avoiding those already taken."""
    max_length = model._meta.get_field("slug").max_length
    bases = {}
    wishes = wishes or {}
    for key, name in names.items():
        wish = wished_slug(wishes.get(key, ""))[:max_length]
        base = wish or slugify(name, allow_unicode=True)[: max_length - 10].strip("-_")
        if not base:  # a name of punctuation only
            base = "x-" + hashlib.sha256(name.encode()).hexdigest()[:8]
        bases[key] = base
    taken = set(
        model.objects.filter(slug__in=set(bases.values())).values_list(
            "slug", flat=True
        )
    )
    result = {}
    for key, base in bases.items():
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        if slug != base:
            # Rare: find every earlier suffix in one more query before choosing.
            taken |= set(
                model.objects.filter(slug__startswith=f"{base}-").values_list(
                    "slug", flat=True
                )
            )
            while slug in taken:
                n += 1
                slug = f"{base}-{n}"
        taken.add(slug)
        result[key] = slug
    return result
