"""Every URL the site exposes, walked as each role that must not get through.

The admin's own views and those packages add (django-reversion's history,
revert and recover views, reversion-compare, markdownx, taggit, axes) are all
taken from the URL resolver, so a view added later is walked too: a URL name
the walk cannot fill in fails the test until it is given values here.

For a writer, another writer, a staff member in no group and an anonymous
visitor, each URL is requested with GET, with an empty POST, with a hostile
POST (publish, save as new, bulk delete), and with the form the GET showed
posted back as it was, as "save as new" and as "published". Afterwards nothing
may have been published, unpublished, restored, deleted or changed, no page
may have shown a title the role may not read, and nothing answered 500.
"""

import re
from datetime import timedelta

import pytest
import reversion
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from reversion.models import Version

from articles.editorial.permissions import is_writer
from articles.models import (
    ApiKey,
    Article,
    Author,
    Autosave,
    Byline,
    Category,
    Correction,
    EditSession,
    Figure,
    Front,
    FrontPin,
    RelatedPick,
    Series,
    SeriesEntry,
    ShareLink,
    Tag,
)
from articles.roles import EDITORS, WRITERS
from tests.test_admin import _Form

pytestmark = pytest.mark.django_db


def _user(name, group=None, **fields):
    user = User.objects.create_user(name, password="pw", is_staff=True, **fields)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def _save_version(article, **changes):
    with reversion.create_revision():
        for name, value in changes.items():
            setattr(article, name, value)
        article.save()
        for related in [*article.bylines.all(), *article.figures.all()]:
            related.save()
        for link in article.tags.through.objects.filter(content_object=article):
            link.save()


def _article(title, creator, *, status, **fields):
    published = status == Article.Status.PUBLISHED
    article = Article.objects.create(
        title=title,
        slug=title,
        body=f"{title} 的正文。",
        status=status,
        published_at=fields.pop("published_at", None)
        or (timezone.now() - timedelta(days=1) if published else None),
        created_by=creator,
        category=Category.objects.get_or_create(name="眾聞", slug="眾聞")[0],
        **fields,
    )
    return article


@pytest.fixture
def world():
    """Articles in every state, with versions; the roles; secret titles."""
    editor = _user("editor", EDITORS)
    alice = _user("alice", WRITERS)
    bob = _user("bob", WRITERS)
    nobody = _user("nobody")  # staff, in no group
    author = Author.objects.create(name="林勵", slug="林勵")
    draft_author = Author.objects.create(name="秘密作者", slug="秘密作者")

    public = _article("公開文章", editor, status=Article.Status.PUBLISHED)
    Correction.objects.create(article=public, text="公開文章的更正")
    Byline.objects.create(article=public, author=author, position=0)
    public.tags.add("公開標籤")
    Figure.objects.create(
        article=public,
        position=1,
        caption="公開圖說",
        source_url="https://example.org/a.jpg",
    )
    _save_version(public, status=Article.Status.DRAFT, published_at=None)
    _save_version(
        public,
        status=Article.Status.PUBLISHED,
        published_at=timezone.now() - timedelta(days=1),
    )

    pulled = _article("撤稿SECRET甲", editor, status=Article.Status.PUBLISHED)
    _save_version(pulled)
    _save_version(pulled, status=Article.Status.DRAFT, body="法律理由撤下。")

    bobs = _article("鮑勃SECRET乙", bob, status=Article.Status.DRAFT)
    Byline.objects.create(article=bobs, author=draft_author, position=0)
    bobs.tags.add("秘密標籤")
    Figure.objects.create(
        article=bobs, position=1, caption="秘密圖說", source_url="https://e.org/b.jpg"
    )
    _save_version(bobs)

    # A series holding a public article and a secret draft.
    series = Series.objects.create(title="系列", slug="系列")
    SeriesEntry.objects.create(series=series, article=public, position=0)
    SeriesEntry.objects.create(series=series, article=bobs, position=1)
    # The editor's own work in progress on bob's draft: an autosave, a lock.
    Autosave.objects.create(user=editor, article=bobs, fields={"body": "編輯的草稿"})
    EditSession.objects.create(user=editor, article=bobs, holds_lock=True)

    # The home page's front: published with the public article; its draft
    # leads with bob's draft, pins it and carries a strip no reader has seen.
    front = Front.objects.create(lead=public)
    front.publish(editor)
    front.lead = bobs
    front.breaking_text = "突發SECRET戊"
    front.breaking_until = timezone.now() + timedelta(hours=1)
    front.save()
    FrontPin.objects.create(front=front, article=public)

    partner = ApiKey(name="夥伴", rate_per_minute=10)
    partner.issue()
    partner.save()

    alices = _article("愛麗絲SECRET丙", alice, status=Article.Status.PUBLISHED)
    _save_version(alices)
    _save_version(alices, status=Article.Status.DRAFT, published_at=None)

    deleted = _article("刪除SECRET丁", editor, status=Article.Status.PUBLISHED)
    _save_version(deleted)
    deleted_pk = deleted.pk
    with reversion.create_revision():
        deleted.delete()

    return {
        "users": {"editor": editor, "alice": alice, "bob": bob, "nobody": nobody},
        "articles": [public, pulled, bobs, alices],
        "deleted_pk": deleted_pk,
        "secrets": {
            # What each role must never be shown.
            "alice": ["撤稿SECRET甲", "鮑勃SECRET乙", "刪除SECRET丁", "突發SECRET戊"],
            "bob": ["撤稿SECRET甲", "愛麗絲SECRET丙", "刪除SECRET丁", "突發SECRET戊"],
            "nobody": [
                "撤稿SECRET甲",
                "鮑勃SECRET乙",
                "愛麗絲SECRET丙",
                "刪除SECRET丁",
                "突發SECRET戊",
            ],
            None: [
                "撤稿SECRET甲",
                "鮑勃SECRET乙",
                "愛麗絲SECRET丙",
                "刪除SECRET丁",
                "突發SECRET戊",
            ],
        },
        "public": public,
        "pulled": pulled,
        "bobs": bobs,
        "alices": alices,
        "draft_author": draft_author,
    }


def snapshot(user=None):
    """Everything a forbidden request could change. Of the drafts `user` may
    work on, only whether and when they are published."""
    own = list(
        Article.objects.filter(
            created_by=user, status__in=["draft", "review"]
        ).values_list("pk", flat=True)
        if user
        else []
    )
    others = Article.objects.exclude(pk__in=own)
    yours = (
        Q(user=user) & (Q(article__isnull=True) | Q(article__in=own))
        if user and is_writer(user)
        else Q(pk__in=[])
    )
    return {
        "articles": sorted(
            others.values_list(
                "pk", "title", "slug", "body", "status", "published_at", "category_id"
            )
        ),
        "own": sorted(
            Article.objects.filter(pk__in=own).values_list(
                "pk", "status", "published_at"
            )
        ),
        "figures": sorted(
            Figure.objects.exclude(article__in=own).values_list(
                "pk", "article_id", "position", "caption"
            )
        ),
        "bylines": sorted(
            Byline.objects.exclude(article__in=own).values_list(
                "article_id", "author_id", "position", "role"
            )
        ),
        "tags": sorted(
            Article.tags.through.objects.exclude(content_object__in=own).values_list(
                "content_object_id", "tag_id"
            )
        ),
        # Writers may add tags and authors (named HACKED by the walk's posts).
        "tag_names": sorted(Tag.objects.exclude(name="HACKED").values_list("name")),
        "authors": sorted(Author.objects.exclude(name="HACKED").values_list("name")),
        "users": sorted(
            User.objects.values_list("username", "is_staff", "is_superuser")
        ),
        # Corrections and share links are editors' only.
        "corrections": sorted(
            Correction.objects.values_list("pk", "article_id", "kind", "text")
        ),
        "share_links": sorted(
            ShareLink.objects.values_list("pk", "article_id", "nonce", "expires_at")
        ),
        # Series and picks are editors' only.
        "series": sorted(Series.objects.values_list("pk", "title", "slug")),
        "series_entries": sorted(
            SeriesEntry.objects.values_list("series_id", "article_id", "position")
        ),
        "picks": sorted(RelatedPick.objects.values_list("article_id", "picked_id")),
        # Front pages are editors' only: their drafts and what readers see.
        "fronts": sorted(
            Front.objects.values_list(
                "pk",
                "section_id",
                "lead_id",
                "breaking_text",
                "breaking_until",
                "live",
                "published_at",
            )
        ),  # fmt: skip
        "pins": sorted(FrontPin.objects.values_list("front_id", "article_id")),
        # API keys are editors' to issue and revoke.
        "api_keys": sorted(
            ApiKey.objects.values_list(
                "pk", "name", "digest", "rate_per_minute", "active"
            )
        ),
        # An actor may autosave and hold locks on what they may change (a
        # writer: their own drafts, a new article's form), nothing else.
        "autosaves": sorted(
            Autosave.objects.exclude(yours).values_list("pk", "user_id", "fields")
        ),
        "sessions": sorted(
            EditSession.objects.exclude(yours).values_list(
                "pk", "user_id", "article_id", "holds_lock"
            )
        ),
    }


# --- the URLs -----------------------------------------------------------------


def _patterns(resolver=None, namespace=""):
    """(qualified name, pattern) for every URL pattern, admin and packages'."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = (
                f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            )
            yield from _patterns(pattern, inner)
        elif isinstance(pattern, URLPattern):
            if pattern.name:
                yield f"{namespace}{pattern.name}", pattern
            elif namespace.startswith("admin:"):
                # The admin's unnamed "<id>/" redirects to the named change view.
                assert pattern.lookup_str.endswith(("RedirectView", "catch_all_view"))
            else:
                yield None, pattern


def _arg_count(pattern) -> int:
    return re.compile(pattern.pattern.regex.pattern).groups


ADMIN_MODEL_URL = re.compile(r"^admin:(?P<app>\w+?)_(?P<model>[a-z]+)_(?P<view>\w+)$")


def _victims(model, world):
    """Primary keys of objects of a model to aim at."""
    if model is Article:
        return [a.pk for a in world["articles"]]
    if model is User:
        return [world["users"]["editor"].pk]
    return list(model._default_manager.values_list("pk", flat=True)[:3])


def admin_urls(world):
    """Concrete paths for every admin URL, with each victim filled in."""
    article_type = ContentType.objects.get_for_model(Article)
    urls, unfilled = [], []
    models = {(m._meta.app_label, m._meta.model_name): m for m in admin.site._registry}
    for name, pattern in _patterns():
        if not name or not name.startswith("admin:"):
            continue
        count = _arg_count(pattern)
        match = ADMIN_MODEL_URL.match(name)
        model = models.get((match["app"], match["model"])) if match else None
        if count == 0:
            urls.append(reverse(name))
        elif name == "admin:view_on_site":
            for pk in _victims(Article, world):
                urls.append(reverse(name, args=[article_type.pk, pk]))
        elif name == "admin:app_list":
            for app in {label for label, _ in models}:
                urls.append(reverse(name, args=[app]))
        elif model is not None and match["view"] == "recover":
            for version in Version.objects.get_deleted(Article):
                urls.append(reverse(name, args=[version.pk]))
        elif model is not None and match["view"] == "revision":
            for pk in _victims(model, world):
                for version in Version.objects.get_for_object_reference(model, pk):
                    urls.append(reverse(name, args=[pk, version.pk]))
        elif model is not None and match["view"] == "compare":
            for pk in _victims(model, world):
                ids = sorted(
                    Version.objects.get_for_object_reference(model, pk).values_list(
                        "pk", flat=True
                    )
                )
                if len(ids) >= 2:
                    query = f"?version_id1={ids[0]}&version_id2={ids[-1]}"
                    urls.append(reverse(name, args=[pk]) + query)
        elif model is not None and count == 1:
            for pk in _victims(model, world):
                urls.append(reverse(name, args=[pk]))
        elif name != "admin:catch_all_view":
            unfilled.append(name)
    return urls, unfilled


def site_urls(world):
    """Every URL outside the admin, with drafts and draft-only names filled in."""
    slugs = {
        "articles:by-tag": "秘密標籤",
        "articles:tag-feed": "秘密標籤",
        "articles:tag-feed-atom": "秘密標籤",
        "articles:by-author": "秘密作者",
        "articles:author-feed": "秘密作者",
        "articles:author-feed-atom": "秘密作者",
        "articles:by-section": "眾聞",
        "articles:section-feed": "眾聞",
        "articles:section-feed-atom": "眾聞",
        "articles:series": "系列",
        "articles:series-feed": "系列",
        "articles:series-feed-atom": "系列",
        "articles:section-feed-json": "眾聞",
        "articles:tag-feed-json": "秘密標籤",
        "articles:author-feed-json": "秘密作者",
        "articles:series-feed-json": "系列",
        "api:section": "眾聞",
        "api:tag": "秘密標籤",
        "api:author": "秘密作者",
        "api:series-detail": "系列",
    }
    urls, unfilled = [], []
    for name, pattern in _patterns():
        if name and name.startswith("admin:"):
            continue
        count = _arg_count(pattern)
        if name in ("articles:detail", "articles:detail-legacy"):
            for article in world["articles"]:
                urls.append(f"/article/{article.pk}/{article.slug}/")
            urls.append(f"/article/{world['deleted_pk']}/x/")
        elif name == "articles:detail-short":
            urls += [f"/article/{a.pk}/" for a in world["articles"]]
        elif name == "api:article":
            urls += [f"/api/v1/articles/{a.pk}/" for a in world["articles"]]
            urls.append(f"/api/v1/articles/{world['deleted_pk']}/")
        elif name in slugs:
            urls.append(reverse(name, kwargs={"slug": slugs[name]}))
        elif name == "articles:archive-year":
            urls.append(reverse(name, args=[timezone.now().year]))
        elif name == "articles:archive-month":
            now = timezone.localtime()
            urls.append(reverse(name, args=[now.year, now.month]))
        elif name == "articles:sitemap-section":
            for section in ("articles", "sections", "tags", "authors"):
                urls.append(reverse(name, kwargs={"section": section}))
        elif name == "articles:shared-preview":
            # An expired link to a secret draft, a revoked one, a forged one
            # (a live link shows its draft to anyone: tests/test_share_links.py).
            expired = ShareLink.objects.create(
                article=world["bobs"], expires_at=timezone.now() - timedelta(hours=1)
            )
            revoked = ShareLink.objects.create(
                article=world["alices"], expires_at=timezone.now() + timedelta(days=1)
            )
            urls += [expired.get_absolute_url(), revoked.get_absolute_url()]
            revoked.delete()
            urls.append(reverse(name, kwargs={"token": "1:forged:token"}))
        elif name is None and "media" in str(pattern.pattern):
            urls.append("/media/figures/x.html")
        elif count == 0 and name:
            urls.append(reverse(name))
        else:
            unfilled.append(name or str(pattern.pattern))
    urls += ["/search/?q=SECRET", "/search/?q=秘密", "/feed/", "/sitemap.xml"]
    urls += ["/feed/?full=1", "/feed/atom/?full=1", "/feed/json/?full=1"]
    urls += ["/tag/秘密標籤/feed/?full=1", "/series/系列/feed/json/?full=1"]
    urls += [
        "/api/v1/search/?q=SECRET",
        "/api/v1/search/?q=秘密",
        "/api/v1/articles/?tag=秘密標籤",
        "/api/v1/articles/?author=秘密作者",
        "/api/v1/articles/?order=updated",
    ]
    return urls, unfilled


def _hostile(world):
    all_articles = [str(a.pk) for a in world["articles"]]
    return {
        "title": "HACKED",
        "slug": "hacked",
        "body": "HACKED",
        "caption": "HACKED",
        "status": "published",
        "published_at_0": "2020-01-01",
        "published_at_1": "00:00:00",
        "article": str(world["public"].pk),
        "position": "9",
        "name": "HACKED",
        "_saveasnew": "1",
        "_publish": "1",
        "lead": str(world["bobs"].pk),
        "breaking_text": "HACKED",
        "action": "delete_selected",
        "_selected_action": all_articles,
        "post": "yes",
        "content": "**x**",
    }


def _form_of(html: str) -> dict:
    parser = _Form()
    parser.feed(html)
    return {k: v for k, v in parser.data.items() if "__prefix__" not in k}


ACTORS = ["alice", "bob", "nobody", None]


@pytest.mark.parametrize("actor", ACTORS)
def test_no_role_gets_past_the_rule_on_any_url(world, actor, settings):
    settings.API_RATE_ANONYMOUS = 1_000_000  # every request reaches its view
    client = Client(raise_request_exception=False)
    if actor:
        client.force_login(world["users"][actor])
    user = world["users"].get(actor)
    urls, unfilled = admin_urls(world)
    public_urls, unfilled_public = site_urls(world)
    before = snapshot(user)
    assert not unfilled + unfilled_public, "URLs the walk cannot fill in"
    secrets = world["secrets"][actor]
    problems = []

    def check(method, url, response):
        text = response.content.decode(errors="replace") + response.get("Location", "")
        # A page may echo the path asked for: that tells the visitor nothing.
        text = text.replace(url, "").replace(iri_to_uri(url), "")
        if response.status_code >= 500 or response.status_code == 429:
            problems.append(f"{method} {url}: {response.status_code}")
        for secret in secrets:
            if secret in text or secret in _unquoted(response.get("Location", "")):
                problems.append(f"{method} {url}: shows {secret}")

    logout = reverse("admin:logout")
    # Logging out last, so the rest is walked signed in.
    for url in sorted(urls + public_urls, key=lambda url: url == logout):
        response = client.get(url)
        check("GET", url, response)
        form = (
            _form_of(response.content.decode(errors="replace"))
            if response.status_code == 200 and "text/html" in response["Content-Type"]
            else {}
        )
        payloads = [{}, _hostile(world)]
        if form and url in urls:
            payloads += [
                form,
                {**form, "_saveasnew": "1"},
                {**form, "status": "published"},
            ]
        for payload in payloads:
            check("POST", url, client.post(url, payload))
        after = snapshot(user)
        if after != before:
            problems.append(f"{url} changed the database: {_diff(before, after)}")
            before = after

    assert not problems, "\n".join(problems[:40])

    # Readers see what they saw before: the public article, and no draft.
    reader = Client()
    assert reader.get(world["public"].get_absolute_url()).status_code == 200
    for article in (world["pulled"], world["bobs"], world["alices"]):
        assert reader.get(article.get_absolute_url()).status_code == 404


def test_the_walk_covers_the_package_views(world):
    urls, _ = admin_urls(world)
    joined = "\n".join(urls)
    for part in (
        "/history/",
        "/history/compare/",
        "/recover/",
        "/autocomplete/",
        "/r/",
    ):
        assert part in joined
    assert any(re.search(r"/history/\d+/$", url) for url in urls)
    public_urls, _ = site_urls(world)
    assert "/markdownx/upload/" in public_urls
    assert "/markdownx/markdownify/" in public_urls


def test_writer_restores_a_version_of_their_own_draft_but_never_a_published_one(
    world,
):
    client = Client()
    client.force_login(world["users"]["alice"])
    article = world["alices"]
    published, draft = Version.objects.get_for_object(article).order_by("pk")
    url = f"/admin/articles/article/{article.pk}/history/{published.pk}/"
    page = client.get(url)
    form = _form_of(page.content.decode())

    response = client.post(url, {**form, "status": "draft"})

    article.refresh_from_db()
    assert response.status_code == 403
    assert article.status == Article.Status.DRAFT and article.published_at is None


def test_editor_still_restores_and_recovers(world):
    client = Client()
    client.force_login(world["users"]["editor"])
    article = world["pulled"]
    first = Version.objects.get_for_object(article).order_by("pk").first()
    url = f"/admin/articles/article/{article.pk}/history/{first.pk}/"
    response = client.post(url, _form_of(client.get(url).content.decode()))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED

    deleted = Version.objects.get_deleted(Article).get()
    url = f"/admin/articles/article/recover/{deleted.pk}/"
    response = client.post(url, _form_of(client.get(url).content.decode()))
    assert response.status_code == 302
    assert Article.objects.filter(pk=world["deleted_pk"]).exists()


def _unquoted(location: str) -> str:
    from urllib.parse import unquote

    return unquote(location)


def _diff(before, after):
    return {k: (before[k], after[k]) for k in before if before[k] != after[k]}


# --- versions shared with other articles --------------------------------------
# Reverting restores a version's whole revision, and reversion finds a version
# by its number alone: neither may reach beyond the article it is asked for.


@pytest.fixture
def desk():
    editor = _user("editor", EDITORS)
    alice = _user("alice", WRITERS)
    ed, client = Client(), Client()
    ed.force_login(editor)
    client.force_login(alice)
    mine = Article.objects.create(title="愛麗絲草稿", slug="a", created_by=alice)
    return {"editor": editor, "ed": ed, "alice": client, "mine": mine}


def _published(title, by):
    return _article(title, by, status=Article.Status.PUBLISHED)


def _shared_revision(*articles):
    """One revision holding several articles, as a bulk action made before
    each article got its own (and as django-reversion makes by default)."""
    with reversion.create_revision():
        for article in articles:
            article.save()


def _restore(client, url):
    page = client.get(url)
    form = _form_of(page.content.decode()) if page.status_code == 200 else {}
    return client.post(url, {**form, "status": "draft"})


def test_a_bulk_action_gives_each_article_a_revision_of_its_own(desk):
    other = _published("另一篇", desk["editor"])
    section = Category.objects.create(name="港聞", slug="港聞")
    response = desk["ed"].post(
        "/admin/articles/article/",
        {
            "action": f"move_to_{section.pk}",
            "index": 0,
            "_selected_action": [desk["mine"].pk, other.pk],
        },
    )
    assert response.status_code == 302
    mine = Version.objects.get_for_object(desk["mine"]).get()
    theirs = Version.objects.get_for_object(other).get()
    assert mine.revision_id != theirs.revision_id


def test_a_version_shared_with_another_article_restores_neither(desk):
    pulled = _published("撤稿SECRET甲", desk["editor"])
    _shared_revision(desk["mine"], pulled)
    Article.objects.filter(pk=pulled.pk).update(status="draft")  # pulled later
    version = Version.objects.get_for_object(desk["mine"]).get()
    url = f"/admin/articles/article/{desk['mine'].pk}/history/{version.pk}/"
    for client in (desk["alice"], desk["ed"]):
        assert _restore(client, url).status_code == 403
    pulled.refresh_from_db()
    assert pulled.status == "draft"


def test_a_deleted_article_never_comes_back_through_a_shared_version(desk):
    gone = _published("刪除SECRET丁", desk["editor"])
    _shared_revision(desk["mine"], gone)
    gone_pk = gone.pk
    gone.delete()
    version = Version.objects.get_for_object(desk["mine"]).get()
    _restore(
        desk["alice"],
        f"/admin/articles/article/{desk['mine'].pk}/history/{version.pk}/",
    )
    assert not Article.objects.filter(pk=gone_pk).exists()


@pytest.mark.parametrize("kind", ["figure", "tag link"])
def test_a_version_of_another_model_with_the_same_number_is_not_the_article(desk, kind):
    pulled = _published("撤稿SECRET甲", desk["editor"])
    with reversion.create_revision():
        pulled.save()
        if kind == "figure":
            Figure.objects.create(
                pk=desk["mine"].pk,
                article=pulled,
                position=1,
                caption="秘密圖說",
                source_url="https://e.org/x.jpg",
            )
        else:
            Article.tags.through.objects.create(
                pk=desk["mine"].pk,
                content_object=pulled,
                tag=Tag.objects.create(name="t", slug="t"),
            )
    version = Version.objects.exclude(content_type__model="article").get()
    Article.objects.filter(pk=pulled.pk).update(status="draft")
    url = f"/admin/articles/article/{desk['mine'].pk}/history/{version.pk}/"

    page = desk["alice"].get(url)
    assert page.status_code == 404
    assert "撤稿SECRET甲" not in page.content.decode()
    _restore(desk["alice"], url)
    pulled.refresh_from_db()
    assert pulled.status == "draft"


def test_compare_never_shows_rows_of_another_article(desk):
    other = _published("撤稿SECRET甲", desk["editor"])
    figure = Figure.objects.create(
        article=other, position=1, caption="秘密圖說", source_url="https://e.org/x.jpg"
    )
    _shared_revision(desk["mine"], other)
    figure.delete()
    _save_version(desk["mine"], title="愛麗絲草稿二")
    first, last = sorted(
        Version.objects.get_for_object(desk["mine"]).values_list("pk", flat=True)
    )
    page = desk["alice"].get(
        f"/admin/articles/article/{desk['mine'].pk}/history/compare/"
        f"?version_id1={first}&version_id2={last}"
    )
    assert "秘密圖說" not in page.content.decode()
    assert "撤稿SECRET甲" not in page.content.decode()


def test_the_figure_form_names_no_article_but_the_writers_own(desk):
    bob = _user("bob", WRITERS)
    bobs = Article.objects.create(title="鮑勃SECRET乙", slug="b", created_by=bob)
    get = desk["alice"].get(f"/admin/articles/figure/add/?article={bobs.pk}")
    post = desk["alice"].post(
        "/admin/articles/figure/add/", {"article": bobs.pk, "position": "1"}
    )
    assert "鮑勃SECRET乙" not in get.content.decode()
    assert "鮑勃SECRET乙" not in post.content.decode()
    assert "愛麗絲草稿" in get.content.decode()  # the writer's own, to choose from


@pytest.mark.django_db
def test_the_benchmarks_one_row_view_shows_only_published_titles(rf):
    """Mounted only with BENCH_BARE_VIEW; even then a draft stays closed."""
    from django.http import Http404

    from articles.models import Article
    from newsroom.urls import bare_row
    from tests.factories import make_article

    public = make_article("公開標題", slug="p")
    draft = make_article(
        "草稿標題", slug="d", status=Article.Status.DRAFT, published_at=None
    )
    assert bare_row(rf.get("/"), public.pk).content.decode() == "公開標題"
    with pytest.raises(Http404):
        bare_row(rf.get("/"), draft.pk)
