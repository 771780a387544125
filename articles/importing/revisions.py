"""The first history entry of imported articles, written in bulk.

The admin's history and its "restore" read django-reversion's Revision and
Version rows. The importer writes with bulk_create, so reversion's signals
never see it: this module writes what reversion would have recorded had each
article been saved in a revision, one Revision per article with a Version of
the article and of every object reversion follows from it (its bylines, tag
links and figures). Fields, format and identity come from reversion's own
registration of each model (made by the admin's VersionAdmin), so a restore
brings back exactly what the import wrote.

It serialises the objects the importer already holds, so a batch costs one
insert of its revisions and one of their versions, and no reads. Most of the
time goes to making the JSON, so it is made without django.core.serializers
(which builds a serializer and writes JSON piecemeal for every object) but to
the byte the same text, which a test checks; the rest goes to the inserts,
made without model instances.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, router
from django.db.models.fields import Field
from django.utils.encoding import force_str, is_protected_type
from django.utils.translation import gettext
from reversion.models import Revision, Version
from reversion.revisions import _get_options
from taggit.models import TaggedItemBase

# The options of Django's json serializer: ensure_ascii off, default separators.
_encoder = DjangoJSONEncoder(ensure_ascii=False)
_encode, _default = _encoder.encode, _encoder.default


def write_revisions(
    entries: Iterable[tuple[models.Model, Sequence[models.Model], str]],
    *,
    date_created: dt.datetime,
) -> int:
    """Write one revision for each (object, followed objects, comment) entry.

    The objects must be saved (have their primary keys) and hold what the
    database holds; `followed` is every object reversion follows from the
    object, as it now is. Each revision has no user. Returns the number of
    revisions written. Raises reversion's RegistrationError for a model
    reversion does not know.
    """
    entries = list(entries)
    if not entries:
        return 0
    using = router.db_for_write(Revision)
    revision_ids = _insert_revisions(
        [comment for _, _, comment in entries], date_created, using
    )
    # Made in full first: nothing may query the database during a COPY.
    _insert_versions(list(_version_rows(revision_ids, entries, using)), using)
    return len(revision_ids)


def _insert_revisions(
    comments: list[str], date_created: dt.datetime, using: str
) -> list[int]:
    """Insert revisions without a user; return their ids, in order.

    A sixth of the time of bulk_create(), which builds and prepares a model
    instance for each."""
    connection = connections[using]
    quote = connection.ops.quote_name
    opts = Revision._meta
    date = opts.get_field("date_created").get_db_prep_save(date_created, connection)
    columns = ", ".join(
        quote(opts.get_field(name).column)
        for name in ("date_created", "user", "comment")
    )
    size = (connection.features.max_query_params or 2 * len(comments)) // 2
    ids = []
    with connection.cursor() as cursor:
        for start in range(0, len(comments), size):
            chunk = comments[start : start + size]
            cursor.execute(
                f"INSERT INTO {quote(opts.db_table)} ({columns}) "
                f"VALUES {', '.join(['(%s, NULL, %s)'] * len(chunk))} "
                f"RETURNING {quote(opts.pk.column)}",
                [value for comment in chunk for value in (date, comment)],
            )
            # One statement draws its ids in the order of its rows, whatever
            # order RETURNING gives them back in.
            ids += sorted(row[0] for row in cursor.fetchall())
    return ids


def _version_rows(
    revision_ids: list[int],
    entries: list[tuple[models.Model, Sequence[models.Model], str]],
    using: str,
) -> Iterator[tuple]:
    """The Version rows, filled as reversion's _add_to_revision() fills them."""
    kinds = {}  # model -> (content type id, object id field, format, repr)
    for revision_id, (root, followed, _) in zip(revision_ids, entries, strict=True):
        for obj in (root, *followed):
            model = type(obj)
            kind = kinds.get(model)
            if kind is None:
                options = _get_options(model)
                content_type = ContentType.objects.db_manager(using).get_for_model(
                    model, for_concrete_model=options.for_concrete_model
                )
                kind = kinds[model] = (
                    content_type.pk,
                    options.object_id_field,
                    options.format,
                    _repr_for(model),
                )
            content_type_id, object_id_field, serial_format, object_repr = kind
            yield (
                revision_id,
                content_type_id,
                force_str(getattr(obj, object_id_field)),
                router.db_for_write(model, instance=obj),
                serial_format,
                serialize(obj),
                object_repr(obj),
            )


def _repr_for(model: type[models.Model]) -> Callable[[models.Model], str]:
    """force_str(obj), which Version.object_repr holds, for objects of `model`."""
    if model.__str__ is TaggedItemBase.__str__:
        # taggit's str() looks up the translation of its text for every tag
        # link, which costs more than serialising the link: look it up once.
        text = gettext("%(object)s tagged with %(tag)s")
        return lambda obj: text % {"object": obj.content_object, "tag": obj.tag}
    return force_str


def _insert_versions(rows: list[tuple], using: str) -> None:
    """One statement whatever the batch holds. Version instances and
    bulk_create's preparation of each value cost more than the rows' text.
    On PostgreSQL, COPY takes a quarter of the time of any INSERT (about 15
    instead of 50-70 us a row), though Django's query log never sees it."""
    connection = connections[using]
    quote = connection.ops.quote_name
    table = quote(Version._meta.db_table)
    columns = ", ".join(
        quote(Version._meta.get_field(name).column)
        for name in (
            "revision",
            "content_type",
            "object_id",
            "db",
            "format",
            "serialized_data",
            "object_repr",
        )
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * 7)})",
                rows,
            )


def serialize(obj: models.Model) -> str:
    """`obj` as reversion stores it: serializers.serialize(format, [obj], ...)."""
    model = type(obj)
    serializer = _serializers.get(model)
    if serializer is None:
        serializer = _serializers[model] = _serializer_for(model)
    return serializer(obj)


_serializers: dict[type[models.Model], object] = {}


def _serializer_for(model: type[models.Model]):
    options = _get_options(model)
    if options.format == "json" and not options.use_natural_foreign_keys:
        fast = _JSONSerializer.for_model(model, options.fields)
        if fast is not None:
            return fast

    def slow(obj: models.Model) -> str:
        return serializers.serialize(
            options.format,
            (obj,),
            fields=options.fields,
            use_natural_foreign_keys=options.use_natural_foreign_keys,
        )

    return slow


class _JSONSerializer:
    """Django's json serializer for one model, with the field walk done once.

    It selects fields as django.core.serializers.base.Serializer.serialize()
    does and converts values as python.Serializer._value_from_field() does:
    protected types (None, numbers, dates) as they are, anything else through
    field.value_to_string(). The text around the values (model, keys,
    separators) is encoded once; each value is encoded alone, which gives what
    json.dumps() gives for it inside the object.
    """

    def __init__(self, label: str, pk: Field, fields: list[tuple[Field, bool]]):
        self.pk = pk
        self.head = f'[{{"model": {_encode(label)}, "pk": '
        self.fields = [
            (f"{', ' if n else ''}{_encode(field.name)}: ", field, plain)
            for n, (field, plain) in enumerate(fields)
        ]

    @classmethod
    def for_model(
        cls, model: type[models.Model], selected: Sequence[str]
    ) -> _JSONSerializer | None:
        """The serializer, or None if a field needs a query (a plain M2M)."""
        opts = model._meta.concrete_model._meta
        fields = []
        for field in opts.local_fields:
            if not field.serialize:
                continue
            name = field.attname if field.remote_field is None else field.attname[:-3]
            if name in selected:
                plain = (
                    type(field).value_from_object is Field.value_from_object
                    and type(field).value_to_string is Field.value_to_string
                )
                fields.append((field, plain))
        for field in opts.local_many_to_many:
            if field.serialize and field.attname in selected:
                # M2M fields through a model of their own are not serialised
                # (reversion follows that model instead); others need a query.
                if field.remote_field.through._meta.auto_created:
                    return None
        return cls(str(model._meta), model._meta.pk, fields)

    def __call__(self, obj: models.Model) -> str:
        pk = self.pk.value_from_object(obj)
        if not is_protected_type(pk):
            pk = self.pk.value_to_string(obj)
        parts = [self.head, _json(pk), ', "fields": {']
        for key, field, plain in self.fields:
            if plain:
                value = getattr(obj, field.attname)
                # For a plain field value_to_string() is str(value): a str
                # stays as it is.
                if not isinstance(value, _KEPT):
                    value = field.value_to_string(obj)
            else:
                value = field.value_from_object(obj)
                if not is_protected_type(value):
                    value = field.value_to_string(obj)
            parts.append(key)
            parts.append(_json(value))
        parts.append("}}]")
        return "".join(parts)


def _json(value) -> str:
    # The common types without the encoder's set-up; it does all others.
    kind = type(value)
    if kind is str:
        return _encode(value)  # a str goes straight to the C string encoder
    if kind is int:
        return int.__repr__(value)  # as json.dumps() writes an int
    if value is None:
        return "null"
    if kind is list and not value:
        return "[]"
    if kind is dt.datetime:
        # The encoder would call default() for it, then encode the text.
        return _encode(_default(value))
    return _encode(value)


# What is_protected_type() passes through as it is, and str.
_KEPT = (str, type(None), int, float, Decimal, dt.datetime, dt.date, dt.time)
