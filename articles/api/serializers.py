"""What the API says of each thing, as DRF serializers: the OpenAPI schema is
made from them (drf-spectacular). The answers themselves are built by
output.py in the same shapes, at a fraction of the cost; tests/test_api.py
checks that each answer has exactly these fields."""

from django.core.files.storage import default_storage
from django.http import QueryDict
from rest_framework import serializers

from articles.models import Correction, Embed, Figure, is_web_url
from articles.rendering.absolute import absolute_urls, markdown_for_readers


def _absolute(context, path: str) -> str:
    return context["request"].build_absolute_uri(path)


def _articles_of(context, parameter: str, slug: str) -> str:
    query = QueryDict(mutable=True)
    query[parameter] = slug
    return _absolute(context, f"/api/v1/articles/?{query.urlencode()}")


class NameSerializer(serializers.Serializer):
    """A section, tag or author as named on an article."""

    name = serializers.CharField()
    slug = serializers.CharField()
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()

    articles = serializers.SerializerMethodField(help_text="Its articles.")

    kind = ""  # sections, tags, authors
    filter = ""  # the article list's parameter for it

    def get_url(self, obj) -> str:
        return _absolute(self.context, obj.get_absolute_url())

    def get_api_url(self, obj) -> str:
        return _absolute(self.context, f"/api/v1/{self.kind}/{obj.slug}/")

    def get_articles(self, obj) -> str:
        return _articles_of(self.context, self.filter, obj.slug)


class SectionSerializer(NameSerializer):
    kind, filter = "sections", "section"


class TagSerializer(NameSerializer):
    kind, filter = "tags", "tag"


class AuthorSerializer(NameSerializer):
    kind, filter = "authors", "author"
    bio = serializers.CharField(required=False)


class BylineSerializer(serializers.Serializer):
    name = serializers.CharField(source="author.name")
    slug = serializers.CharField(source="author.slug")
    role = serializers.CharField()
    api_url = serializers.SerializerMethodField()

    def get_api_url(self, obj) -> str:
        return _absolute(self.context, f"/api/v1/authors/{obj.author.slug}/")


class RenditionSerializer(serializers.Serializer):
    width = serializers.IntegerField()
    url = serializers.CharField()


class FigureSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    source_url = serializers.CharField()
    caption = serializers.CharField()
    alt = serializers.CharField()
    credit = serializers.CharField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    renditions = serializers.SerializerMethodField()

    def get_url(self, obj: Figure) -> str | None:
        url = obj.url
        return (_absolute(self.context, url) if url.startswith("/") else url) or None

    def get_renditions(self, obj: Figure) -> list[dict]:
        if not obj.image:
            return []
        return [
            {
                "width": rendition["width"],
                "url": _absolute(self.context, default_storage.url(rendition["name"])),
            }
            for rendition in obj.renditions
        ]


class EmbedSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    provider = serializers.ChoiceField(choices=Embed.Provider.choices)
    provider_id = serializers.CharField()
    url = serializers.SerializerMethodField()
    archive_url = serializers.SerializerMethodField()
    title = serializers.CharField()
    caption = serializers.CharField()

    def get_url(self, obj) -> str | None:
        return obj.url if is_web_url(obj.url) else None

    def get_archive_url(self, obj) -> str | None:
        return obj.archive_url if is_web_url(obj.archive_url) else None


class CorrectionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Correction.Kind.choices)
    text = serializers.CharField()
    noted_at = serializers.DateTimeField()


class SeriesPlaceSerializer(serializers.Serializer):
    title = serializers.CharField(source="series.title")
    slug = serializers.CharField(source="series.slug")
    position = serializers.IntegerField()
    api_url = serializers.SerializerMethodField()

    def get_api_url(self, obj) -> str:
        return _absolute(self.context, f"/api/v1/series/{obj.series.slug}/")


class ArticleSerializer(serializers.Serializer):
    """An article in a list."""

    id = serializers.IntegerField(source="pk")
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()
    title = serializers.CharField()
    dek = serializers.CharField()
    language = serializers.CharField()
    published_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(
        source="changed_at", help_text="When anything shown of it last changed."
    )
    section = SectionSerializer(source="category", allow_null=True)
    bylines = BylineSerializer(many=True)
    tags = TagSerializer(many=True)

    def get_url(self, obj) -> str:
        return _absolute(self.context, obj.get_absolute_url())

    def get_api_url(self, obj) -> str:
        return _absolute(self.context, f"/api/v1/articles/{obj.pk}/")


class ProvenanceSerializer(serializers.Serializer):
    legacy_id = serializers.IntegerField(allow_null=True)
    original_url = serializers.CharField()
    archive_url = serializers.CharField()
    original_updated_at = serializers.DateTimeField(
        source="last_updated_at", allow_null=True
    )


class ArticleDetailSerializer(ArticleSerializer):
    """An article whole: its body as HTML (sanitised, links and images
    absolute) and as the Markdown editors write, its figures, embeds,
    corrections, series and where it came from."""

    dateline = serializers.CharField()
    byline_text = serializers.CharField(source="byline")
    body_html = serializers.SerializerMethodField()
    body_markdown = serializers.SerializerMethodField(
        help_text="The Markdown editors write, without what readers never see "
        "(HTML comments, scripts and styles)."
    )
    figures = FigureSerializer(many=True)
    embeds = EmbedSerializer(many=True)
    corrections = CorrectionSerializer(many=True)
    series = SeriesPlaceSerializer(source="series_entries", many=True)
    provenance = ProvenanceSerializer(source="*")

    def get_body_html(self, obj) -> str:
        origin = self.context["request"].build_absolute_uri("/").rstrip("/")
        body = self.context.get("body_html")
        return absolute_urls(obj.body_for_readers() if body is None else body, origin)

    def get_body_markdown(self, obj) -> str:
        return markdown_for_readers(obj.body)


class SeriesSerializer(serializers.Serializer):
    articles = serializers.SerializerMethodField(help_text="Its articles.")
    title = serializers.CharField()
    slug = serializers.CharField()
    description = serializers.CharField()
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        return _absolute(self.context, obj.get_absolute_url())

    def get_api_url(self, obj) -> str:
        return _absolute(self.context, f"/api/v1/series/{obj.slug}/")

    def get_articles(self, obj) -> str:
        return _articles_of(self.context, "series", obj.slug)
