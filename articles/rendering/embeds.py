"""Embedded players (videos, 360° tours): what a URL is, and its facade.

`identify` tells from a player's or a video's URL (bare, or wrapped by the web
archive) which provider it is, the provider's id, the original URL and the
archived copy. `render_embed` draws the facade readers get in its place: a
titled box with links to the original and to the archived copy, and a button
that loads the provider's player (youtube-nocookie.com for YouTube) only when
the reader clicks (articles/static/articles/media.js). Before a click no
request goes to any third party; without JavaScript the links still work.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import parse_qs, quote, urlsplit

from django.utils.html import format_html

EMBED_MARKER = "[[embed:{position}]]"
EMBED_MARKER_RE = re.compile(r"\[\[embed:(\d{1,5})\]\]")
MAX_URL = 2000

_ARCHIVED_RE = re.compile(
    r"^(?:https?:)?//web\.archive\.org/web/(\d{1,14})[a-z_]{0,4}/(.{1,4000})$", re.I
)
_YOUTUBE_ID = r"([A-Za-z0-9_-]{6,20})"
_YOUTUBE_PATH_RE = re.compile(rf"^/(?:embed|v|shorts|live)/{_YOUTUBE_ID}(?:[/?#]|$)")
_FACEBOOK_VIDEO_RE = re.compile(r"/videos/(?:[^/]{1,200}/)?(\d{5,25})")
_DAILYMOTION_RE = re.compile(r"^/(?:embed/)?video/([A-Za-z0-9]{4,20})")
_VIMEO_RE = re.compile(r"^/(?:video/)?(\d{3,15})(?:[/?#]|$)")
_ROUNDME_RE = re.compile(r"^/(?:embed|tour)/(\d{1,12})(?:/(\d{1,12}))?")

PROVIDER_NAMES = {
    "youtube": "YouTube",
    "facebook": "Facebook",
    "vimeo": "Vimeo",
    "dailymotion": "Dailymotion",
    "roundme": "Roundme",
    "iframe": "",
}
# Origins whose players may be framed (newsroom/settings.py: frame-src).
PLAYER_ORIGINS = [
    "https://www.youtube-nocookie.com",
    "https://www.facebook.com",
    "https://player.vimeo.com",
    "https://www.dailymotion.com",
    "https://roundme.com",
]


@dataclass(frozen=True, slots=True)
class EmbedInfo:
    provider: str
    provider_id: str
    url: str  # at the provider
    archive_url: str = ""


class EmbedLike(Protocol):
    provider: str
    provider_id: str
    url: str
    archive_url: str
    title: str
    caption: str


def _web(url: str) -> bool:
    return url.lower().startswith(("http://", "https://")) and len(url) <= MAX_URL


def identify(src: str) -> EmbedInfo | None:
    """What an embed's URL points to, or None if it is not an http(s) URL."""
    src = html.unescape((src or "").strip())
    archive_url = ""
    archived = _ARCHIVED_RE.match(src)
    if archived:
        stamp, src = archived.groups()
        if src.startswith("//"):
            src = "https:" + src
        archive_url = f"https://web.archive.org/web/{stamp}/{src}"
    elif src.startswith("//"):
        src = "https:" + src
    if not _web(src) or (archive_url and not _web(archive_url)):
        return None
    parts = urlsplit(src)
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    query = parse_qs(parts.query)
    if host in ("youtube.com", "youtube-nocookie.com", "youtu.be"):
        video = None
        if host == "youtu.be":
            video = re.match(rf"^/{_YOUTUBE_ID}$", parts.path)
        elif parts.path == "/watch" and query.get("v"):
            video = re.match(rf"^{_YOUTUBE_ID}$", query["v"][0])
        else:
            video = _YOUTUBE_PATH_RE.match(parts.path)
        if video:
            id_ = video.group(1)
            return EmbedInfo(
                "youtube", id_, f"https://www.youtube.com/watch?v={id_}", archive_url
            )
    elif host == "facebook.com":
        target = query.get("href", [src])[0]
        if not _web(target):
            target = src
        video = _FACEBOOK_VIDEO_RE.search(urlsplit(target).path) or (
            re.match(r"^(\d{5,25})$", query.get("v", [""])[0])
        )
        return EmbedInfo(
            "facebook", video.group(1) if video else "", target, archive_url
        )
    elif host == "dailymotion.com" or host == "dai.ly":
        video = (
            re.match(r"^/([A-Za-z0-9]{4,20})$", parts.path)
            if host == "dai.ly"
            else _DAILYMOTION_RE.match(parts.path)
        )
        if video:
            id_ = video.group(1)
            return EmbedInfo(
                "dailymotion",
                id_,
                f"https://www.dailymotion.com/video/{id_}",
                archive_url,
            )
    elif host in ("vimeo.com", "player.vimeo.com"):
        video = _VIMEO_RE.match(parts.path)
        if video:
            id_ = video.group(1)
            return EmbedInfo("vimeo", id_, f"https://vimeo.com/{id_}", archive_url)
    elif host == "roundme.com":
        tour = _ROUNDME_RE.match(parts.path)
        if tour:
            id_ = "/".join(g for g in tour.groups() if g)
            return EmbedInfo(
                "roundme", id_, f"https://roundme.com/embed/{id_}", archive_url
            )
    return EmbedInfo("iframe", "", src, archive_url)


def player_url(embed: EmbedLike, *, autoplay: bool = True) -> str:
    """The player loaded on a click (starting to play, unless told not to),
    or "" when there is none to trust (a generic page is only linked)."""
    id_ = embed.provider_id
    play = "autoplay=1" if autoplay else ""
    if embed.provider == "youtube" and id_:
        url = f"https://www.youtube-nocookie.com/embed/{quote(id_)}?{play}"
    elif embed.provider == "facebook" and _web(embed.url):
        url = (
            "https://www.facebook.com/plugins/video.php?href="
            f"{quote(embed.url, safe='')}&show_text=0&{play}"
        )
    elif embed.provider == "vimeo" and id_:
        url = f"https://player.vimeo.com/video/{quote(id_)}?{play}"
    elif embed.provider == "dailymotion" and id_:
        url = f"https://www.dailymotion.com/embed/video/{quote(id_)}?{play}"
    elif embed.provider == "roundme" and id_:
        return f"https://roundme.com/embed/{quote(id_)}"
    else:
        return ""
    return url.rstrip("?&")


def embed_label(embed: EmbedLike) -> str:
    name = PROVIDER_NAMES.get(embed.provider, "")
    if embed.provider == "roundme":
        return f"{name} 360° 全景"
    return f"{name} 影片" if name else "嵌入內容"


def render_embed(embed: EmbedLike) -> str:
    """The facade: no third-party request until the reader asks for the player."""
    label = embed_label(embed)
    title = embed.title or label
    player = player_url(embed)
    links = []
    if _web(embed.url):
        where = PROVIDER_NAMES.get(embed.provider) or urlsplit(embed.url).hostname
        links.append(
            format_html(
                '<a href="{}" rel="noopener noreferrer nofollow">在 {} 觀看</a>',
                embed.url,
                where,
            )
        )
    if _web(embed.archive_url):
        links.append(
            format_html(
                '<a href="{}" rel="noopener noreferrer nofollow">網頁存檔</a>',
                embed.archive_url,
            )
        )
    button = (
        format_html(
            '<button type="button" class="embed-play" hidden>▶ 播放{}</button>', label
        )
        if player
        else ""
    )
    caption = (
        format_html("<figcaption>{}</figcaption>", embed.caption)
        if embed.caption
        else ""
    )
    return format_html(
        '<figure class="embed embed-{}"{}{}><div class="embed-box">'
        '<p class="embed-title">{}</p>{}<p class="embed-links">{}</p></div>{}</figure>',
        embed.provider,
        format_html(' data-player="{}"', player) if player else "",
        format_html(' data-title="{}"', title),
        title,
        button,
        format_html(" · ".join(["{}"] * len(links)), *links) if links else "",
        caption,
    )
