"""Uploads: one check for every path in (figure form, author avatar, the Markdown
editor's upload), hostile files refused without a 500 or a stored file, valid
ones re-encoded under the extension of what they are; media served as images."""

import io
import json
import struct
import zlib

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from articles.images import checked_upload, make_renditions
from articles.models import Author, Figure
from articles.roles import EDITORS, WRITERS
from tests.factories import make_article
from tests.test_admin import form_data, post_figure

UPLOAD_URL = "/markdownx/upload/"
AUTHOR_ADD_URL = "/admin/articles/author/add/"
SCRIPT = b"<script>alert(document.cookie)</script>"


def encoded(fmt, size=(64, 48), **options):
    buffer = io.BytesIO()
    Image.effect_noise(size, 40).convert("RGB").save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _chunk(kind, data):
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data))
    )


def png_bomb(width, height, *, data=True):
    """A real 1-bit PNG of `width`×`height` black pixels, a few KB on disk (or,
    without `data`, only a header that claims that size)."""
    rows = b"\x00" * (width // 8 + 2) * height if data else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
        + _chunk(b"IDAT", zlib.compress(rows, 9))
        + _chunk(b"IEND", b"")
    )


def png_with_idat_cut():
    data = encoded("PNG", (200, 200))
    start = data.index(b"IDAT")
    length = struct.unpack(">I", data[start - 4 : start])[0]
    return data[: start + 4 + length // 2] + data[start + 4 + length :]


def animated_gif(frames=3, size=(40, 30)):
    images = [
        Image.new("RGB", size, ((i * 70) % 256, (i * 30) % 256, 200))
        for i in range(frames)
    ]
    buffer = io.BytesIO()
    images[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=[(i + 1) * 100 for i in range(frames)],
        loop=0,
    )
    return buffer.getvalue()


# (name, content, declared content type, the check's error code)
HOSTILE = {
    "html as gif": (
        "evil.gif",
        b"<!doctype html><html><body>" + SCRIPT + b"</body></html>",
        "image/gif",
        "not_an_image",
    ),
    "svg": (
        "logo.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
        + SCRIPT
        + b"</svg>",
        "image/gif",
        "not_an_image",
    ),
    "xhtml": (
        "page.xhtml",
        b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">'
        + SCRIPT
        + b"</html>",
        "image/gif",
        "not_an_image",
    ),
    "pdf as jpeg": (
        "scan.jpg",
        b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
        "image/jpeg",
        "not_an_image",
    ),
    "bmp as png": ("old.png", encoded("BMP"), "image/png", "not_an_image"),
    "empty": ("empty.jpg", b"", "image/jpeg", "empty"),
    "over the pixel limit": (
        "bomb.png",
        png_bomb(8000, 8000),
        "image/png",
        "too_many_pixels",
    ),
    "over pillow's bomb limit": (
        "huge.png",
        png_bomb(30000, 30000, data=False),
        "image/png",
        "too_many_pixels",
    ),
    "truncated jpeg": (
        "half.jpg",
        encoded("JPEG", (400, 300))[:3000],
        "image/jpeg",
        "damaged",
    ),
    "png with idat cut": ("cut.png", png_with_idat_cut(), "image/png", "damaged"),
}
# (name sent, content, declared type, the extension and format it must get)
VALID = {
    "jpeg sent as png": ("photo.png", encoded("JPEG"), "image/png", "jpg", "JPEG"),
    "png sent as html": ("chart.html", encoded("PNG"), "text/html", "png", "PNG"),
    "gif sent as jpeg": ("anim.jpg", animated_gif(), "image/jpeg", "gif", "GIF"),
    "webp sent as gif": ("pic.gif", encoded("WEBP"), "image/gif", "webp", "WEBP"),
    "gif polyglot": ("poly.gif", encoded("GIF") + SCRIPT, "image/gif", "gif", "GIF"),
    "jpeg with a script comment": (
        "c.jpeg",
        encoded("JPEG", comment=SCRIPT),
        "image/jpeg",
        "jpg",
        "JPEG",
    ),
}


def upload(case):
    name, content, content_type = case[:3]
    return SimpleUploadedFile(name, content, content_type)


def stored_files(root):
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SERVE_MEDIA = True
    return settings.MEDIA_ROOT


def user_in(group, username):
    user = User.objects.create_user(username, is_staff=True)  # no password to hash
    user.groups.add(Group.objects.get(name=group))
    return user


def logged_in(user, **options):
    client = Client(**options)
    client.force_login(user)
    return client


@pytest.fixture
def writer_client(db):
    return logged_in(user_in(WRITERS, "writer"))


@pytest.fixture
def editor_client(db):
    return logged_in(user_in(EDITORS, "editor"))


# --- the check itself ---------------------------------------------------------


@pytest.mark.parametrize("case", HOSTILE.values(), ids=HOSTILE.keys())
def test_check_refuses_hostile_files_with_a_reason(case):
    with pytest.raises(ValidationError) as refused:
        checked_upload(upload(case))
    assert refused.value.code == case[3]
    assert refused.value.messages[0].endswith(".")


def test_check_refuses_files_over_the_byte_limit_before_reading_them(settings):
    settings.IMAGE_MAX_BYTES = 1000

    class Unreadable(ContentFile):
        def read(self, *args):
            raise AssertionError("read although its size is over the limit")

    with pytest.raises(ValidationError) as refused:
        checked_upload(Unreadable(encoded("JPEG", (300, 200)), name="big.jpg"))
    assert refused.value.code == "too_large"
    assert "the limit is" in refused.value.messages[0]


@pytest.mark.parametrize("case", VALID.values(), ids=VALID.keys())
def test_check_names_the_image_by_what_it_is_and_drops_what_is_not_pixels(case):
    checked = checked_upload(upload(case))

    stem = case[0].rsplit(".", 1)[0]
    assert checked.name == f"{stem}.{case[3]}"
    data = checked.read()
    assert Image.open(io.BytesIO(data)).format == case[4]
    assert b"<script" not in data


def test_animated_gif_stays_animated_with_its_timing():
    checked = checked_upload(upload(VALID["gif sent as jpeg"]))

    image = Image.open(checked)
    durations = []
    for index in range(image.n_frames):
        image.seek(index)
        durations.append(image.info["duration"])
    assert durations == [100, 200, 300]


def test_animation_with_too_many_frames_for_the_pixel_limit_is_refused(settings):
    settings.IMAGE_MAX_PIXELS = 40 * 30 * 5

    with pytest.raises(ValidationError) as refused:
        checked_upload(SimpleUploadedFile("long.gif", animated_gif(frames=6)))
    assert refused.value.code == "too_many_frames"


def test_camera_exif_is_not_published_and_orientation_is_applied():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    exif[0x8825] = {1: "N", 2: (22.0, 17.0, 0.0)}  # GPS position
    photo = encoded("JPEG", (80, 60), exif=exif.tobytes())

    image = Image.open(checked_upload(SimpleUploadedFile("p.jpg", photo)))

    assert image.size == (60, 80)
    assert not image.getexif()


# --- renditions of a stored file that is not a good image ----------------------


@pytest.mark.django_db
def test_damaged_stored_file_gets_no_renditions_and_the_save_succeeds(media):
    name = default_storage.save(
        "figures/bad.jpg", ContentFile(encoded("JPEG", (900, 600))[:2000])
    )
    assert make_renditions(name) == []

    article = make_article("舊圖", slug="old")
    figure = Figure(article=article, position=1)
    figure.image.name = name
    figure.save()
    figure.refresh_from_db()
    assert figure.renditions == []


# --- the Markdown editor's upload ----------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("case", HOSTILE.values(), ids=HOSTILE.keys())
def test_editor_upload_refuses_hostile_files_and_stores_nothing(
    writer_client, media, case
):
    response = writer_client.post(
        UPLOAD_URL,
        {"image": upload(case)},
        headers={"x-requested-with": "XMLHttpRequest"},
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    errors = json.loads(response.content)
    assert "image_code" not in errors and errors["image"]
    assert stored_files(media) == []


@pytest.mark.django_db
def test_editor_upload_refuses_a_file_over_the_byte_limit(
    writer_client, media, settings
):
    settings.IMAGE_MAX_BYTES = 1000

    response = writer_client.post(
        UPLOAD_URL,
        {"image": SimpleUploadedFile("big.jpg", encoded("JPEG", (300, 200)))},
    )

    assert response.status_code == 400
    assert "the limit is" in json.loads(response.content)["image"][0]
    assert stored_files(media) == []


@pytest.mark.django_db
@pytest.mark.parametrize("case", VALID.values(), ids=VALID.keys())
def test_editor_upload_stores_the_image_under_its_real_extension(
    writer_client, media, case
):
    response = writer_client.post(UPLOAD_URL, {"image": upload(case)})

    assert response.status_code == 200, response.content
    image_code = json.loads(response.content)["image_code"]
    (stored,) = stored_files(media)
    assert stored.parent == media / "markdownx"
    assert stored.suffix == "." + case[3]
    assert image_code == f"![](/media/markdownx/{stored.name})"
    data = stored.read_bytes()
    assert Image.open(io.BytesIO(data)).format == case[4]
    assert b"<script" not in data


@pytest.mark.django_db
def test_editor_upload_is_for_those_who_may_write_articles(media):
    png = encoded("PNG")

    def post(client):
        return client.post(UPLOAD_URL, {"image": SimpleUploadedFile("a.png", png)})

    assert post(Client()).status_code == 302  # to the admin login
    staff_only = User.objects.create_user("clerk", is_staff=True)
    assert post(logged_in(staff_only)).status_code == 403
    reader = User.objects.create_user("reader")
    reader.user_permissions.add(*Group.objects.get(name=WRITERS).permissions.all())
    assert post(logged_in(reader)).status_code == 403  # not staff
    inactive = user_in(WRITERS, "gone")
    client = logged_in(inactive)
    inactive.is_active = False
    inactive.save()
    assert post(client).status_code == 302  # signed out by being made inactive
    assert stored_files(media) == []
    assert post(logged_in(user_in(WRITERS, "writer"))).status_code == 200


@pytest.mark.django_db
def test_editor_upload_takes_post_with_a_csrf_token_only(media):
    client = logged_in(user_in(WRITERS, "writer"), enforce_csrf_checks=True)
    png = encoded("PNG")

    assert client.get(UPLOAD_URL).status_code == 405
    refused = client.post(UPLOAD_URL, {"image": SimpleUploadedFile("a.png", png)})
    assert refused.status_code == 403
    assert stored_files(media) == []

    client.get("/admin/")  # sets the csrftoken cookie the editor's script reads
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        UPLOAD_URL,
        {"image": SimpleUploadedFile("a.png", png), "csrfmiddlewaretoken": token},
    )
    assert accepted.status_code == 200


# --- the figure form and the author avatar in the admin ------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("case", HOSTILE.values(), ids=HOSTILE.keys())
def test_figure_form_refuses_hostile_files_and_stores_nothing(
    editor_client, media, case
):
    article = make_article("有圖", slug="img")

    response = post_figure(editor_client, article, upload(case))

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not Figure.objects.exists()
    assert stored_files(media) == []


@pytest.mark.django_db
def test_figure_form_names_a_damaged_image_as_damaged(editor_client, media):
    article = make_article("有圖", slug="img")

    response = post_figure(editor_client, article, upload(HOSTILE["truncated jpeg"]))

    assert "The image is damaged or incomplete" in response.content.decode()
    assert stored_files(media) == []


# Before the form's own check, Django's ImageField refuses a name whose
# extension is no image format's (chart.html): the admin forms get only the rest.
VALID_NAMES = {key: case for key, case in VALID.items() if key != "png sent as html"}


@pytest.mark.django_db
@pytest.mark.parametrize("case", VALID_NAMES.values(), ids=VALID_NAMES.keys())
def test_figure_form_stores_the_image_under_its_real_extension(
    editor_client, media, case
):
    article = make_article("有圖", slug="img")

    response = post_figure(editor_client, article, upload(case))

    assert response.status_code == 302, response.content.decode()[:2000]
    figure = Figure.objects.get()
    assert figure.image.name.endswith("." + case[3])
    data = (media / figure.image.name).read_bytes()
    assert Image.open(io.BytesIO(data)).format == case[4]
    assert b"<script" not in data


def post_author(client, avatar):
    data = form_data(client, AUTHOR_ADD_URL, name="大海", slug="sea")
    data["avatar"] = avatar
    return client.post(AUTHOR_ADD_URL, data)


@pytest.mark.django_db
@pytest.mark.parametrize("case", HOSTILE.values(), ids=HOSTILE.keys())
def test_avatar_refuses_hostile_files_and_stores_nothing(editor_client, media, case):
    response = post_author(editor_client, upload(case))

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not Author.objects.exists()
    assert stored_files(media) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case", [VALID["gif polyglot"], VALID["webp sent as gif"]], ids=["gif", "webp"]
)
def test_avatar_is_stored_under_its_real_extension(editor_client, media, case):
    response = post_author(editor_client, upload(case))

    assert response.status_code == 302, response.content.decode()[:2000]
    avatar = Author.objects.get().avatar
    assert avatar.name.startswith("authors/") and avatar.name.endswith("." + case[3])
    data = (media / avatar.name).read_bytes()
    assert Image.open(io.BytesIO(data)).format == case[4]
    assert b"<script" not in data


@pytest.mark.django_db
def test_avatar_model_validator_refuses_a_file_that_is_not_an_image(media):
    author = Author(name="大海", slug="sea")
    author.avatar = ContentFile(HOSTILE["html as gif"][1], name="evil.gif")

    with pytest.raises(ValidationError) as refused:
        author.full_clean()
    assert "avatar" in refused.value.message_dict


# --- serving media --------------------------------------------------------------


@pytest.mark.django_db
def test_media_serves_only_images_with_their_type_nosniff_and_a_sandbox(client, media):
    (media / "old").mkdir(parents=True)
    (media / "old" / "evil.html").write_bytes(b"<html>" + SCRIPT)
    (media / "old" / "evil.svg").write_bytes(HOSTILE["svg"][1])
    (media / "old" / "evil.gif").write_bytes(b"<html>" + SCRIPT)  # from before
    (media / "old" / "photo.JPG").write_bytes(encoded("JPEG"))
    (media / "old" / "jpg").write_bytes(encoded("JPEG"))

    for name in ["evil.html", "evil.svg", "jpg", "missing.png"]:
        assert client.get(f"/media/old/{name}").status_code == 404, name

    photo = client.get("/media/old/photo.JPG")
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/jpeg"
    assert photo["X-Content-Type-Options"] == "nosniff"
    assert photo["Content-Security-Policy"] == "default-src 'none'; sandbox"
    disguised = client.get("/media/old/evil.gif")
    assert disguised["Content-Type"] == "image/gif"
    assert disguised["Content-Security-Policy"] == "default-src 'none'; sandbox"


@pytest.mark.django_db
def test_media_is_not_served_by_the_application_unless_asked(client, media, settings):
    settings.SERVE_MEDIA = False
    media.mkdir(parents=True)
    (media / "photo.jpg").write_bytes(encoded("JPEG"))

    assert client.get("/media/photo.jpg").status_code == 404
