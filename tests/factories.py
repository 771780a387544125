"""Small builders for tests: archive files and model rows, no factory library."""

from pathlib import Path

from django.utils import timezone

from articles import search
from articles.models import Article, Author, Byline, Category, Tag

FOOTER = (
    "\n\n---\n\n請加入成為眾新聞的月費訂戶，長期支持我們的工作。"
    "所有訂戶都可以收到我們的「每周時事」通訊 。\n\n"
    "月費訂戶 [網址：hkcnews.com/aboutus/#subscribe](/web/20210801183306/"
    "https://www.hkcnews.com/aboutus/#subscribe)\n"
)


def article_text(
    legacy_id=39492,
    title="中美高層會談結束　雙方形容對話坦率",
    date="2021-03-20",
    author="記者林勵",
    category="眾聞",
    tags=("中美關係", "中美會晤"),
    body="中美在阿拉斯加的三場高層會談結束，雙方沒有發表聯合聲明，形容對話坦率。",
    extra="",
    footer=True,
):
    """The text of an archive file in the format of the real archive."""
    tag_lines = "".join(f'  - "{tag}"\n' for tag in tags)
    url = f"https://www.hkcnews.com/article/{legacy_id}/slug" if legacy_id else ""
    return (
        "---\n"
        f'title: "{title}"\n'
        f'date: "{date}"\n'
        f'author: "{author}"\n'
        f'category: "{category}"\n'
        f"tags:\n{tag_lines}"
        f'url: "https://web.archive.org/web/20210801183306/{url}"\n'
        f'original_url: "{url}"\n'
        f"{extra}"
        "---\n\n"
        f"# {title}\n\n"
        f"{body}\n" + (FOOTER if footer else "")
    )


def write_article(directory: Path, name="article.md", **fields) -> Path:
    path = directory / name
    path.write_text(article_text(**fields), encoding="utf-8")
    return path


def make_author(name="林勵", **overrides) -> Author:
    return Author.objects.create(
        name=name, slug=overrides.pop("slug", name), **overrides
    )


def make_tag(name="標籤") -> Tag:
    return Tag.objects.get_or_create(name=name, defaults={"slug": name})[0]


def make_section(name="眾聞") -> Category:
    return Category.objects.get_or_create(name=name, defaults={"slug": name})[0]


def make_article(title="測試文章", authors=(), tags=(), **overrides) -> Article:
    """A saved article, published now unless told otherwise, and indexed.

    (Tests run inside a transaction that never commits, so the on-commit
    reindexing of the signals does not happen: index here.)
    """
    fields = {
        "slug": "測試文章",
        "body": "內文第一段。",
        "status": Article.Status.PUBLISHED,
    }
    fields.update(overrides)
    if fields["status"] == Article.Status.PUBLISHED and "published_at" not in fields:
        fields["published_at"] = timezone.now() - timezone.timedelta(minutes=1)
    article = Article.objects.create(title=title, **fields)
    for position, author in enumerate(authors):
        Byline.objects.create(article=article, author=author, position=position)
    if tags:
        article.tags.add(*tags)
    search.reindex([article.pk])
    return article


def empty_page_cache() -> None:
    """Empty the shared cache as a running site would find it emptied, but
    with scheduled releases done up to now (a cache flushed for real releases
    the last hour's articles once, which query counts should not include)."""
    import time

    from django.core.cache import cache

    from articles.pagecache.dependencies import DONE_KEY

    cache.clear()
    cache.set(DONE_KEY, time.time(), timeout=None)
