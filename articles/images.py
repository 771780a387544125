"""Uploaded images: the one check every upload passes, and the renditions pages serve.

Every image that reaches storage (a figure or an avatar in the admin, a
picture dropped into the Markdown editor, an imported figure fetched from its
source URL) goes through `checked_upload`. Pillow, allowed to try only the
JPEG, PNG, GIF and WebP decoders, opens it; the byte, pixel and frame limits
are checked before anything is decoded; then every frame is decoded, so a
truncated or damaged file is refused here rather than failing later. What is
stored is Pillow's re-encoding of the decoded pixels, named with the extension
of the format Pillow found: whatever name, content type or trailing bytes the
client sent, the stored file is an image and nothing else (no HTML or script
renamed .gif, no polyglot, no SVG, no decompression bomb), and the camera's
EXIF (GPS position, serial numbers) is not published with it.
"""

from __future__ import annotations

import io
import logging
import warnings
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.text import slugify
from PIL import Image, ImageOps, JpegImagePlugin, UnidentifiedImageError

logger = logging.getLogger(__name__)

# Pillow format -> the extension the stored file gets. MPO is what Pillow calls
# a JPEG with a second picture appended (some phones and cameras): its first
# picture is stored as a plain JPEG.
EXTENSIONS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
# Extension -> content type, for serving media (newsroom/urls.py): the only
# files media serves.
MEDIA_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
}
ANIMATED_FORMATS = {"GIF", "PNG", "WEBP"}
# A GIF frame can be a few bytes, so the byte limit alone does not bound the
# work of decoding one; the pixel limit counts every frame too.
MAX_FRAMES = 1000
DECODERS = ["JPEG", "PNG", "GIF", "WEBP"]


class CheckedImage(ContentFile):
    """Bytes made by `checked_upload`: the model validator need not decode them again."""


def checked_upload(file, name: str | None = None) -> CheckedImage:
    """Check an upload and return the image to store.

    `file` is an uploaded file (or any Django `File`); `name` defaults to its
    name and gives only the stem of the result's name. Returns a
    `CheckedImage` named `<safe stem>.<jpg|png|gif|webp>` for the format Pillow
    found, holding the re-encoded image with EXIF orientation applied.
    Raises ValidationError (codes: too_large, empty, not_an_image,
    too_many_pixels, too_many_frames, damaged, not_storable) with a message
    for the person who uploaded it.
    """
    name = name or getattr(file, "name", None) or "image"
    limit = settings.IMAGE_MAX_BYTES
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise _too_large(size, limit)
    file.seek(0)
    data = file.read(limit + 1)
    if len(data) > limit:
        raise _too_large(len(data), limit)
    if not data:
        raise ValidationError("The file is empty.", code="empty")
    image, durations = _decoded(data)
    try:
        encoded = _reencoded(image, durations, data)
    except Exception as exc:  # a mode or option Pillow cannot write back
        logger.warning(
            "Could not re-encode an upload (%s)", image.format, exc_info=True
        )
        raise ValidationError(
            f"This {image.format} image could not be processed ({exc}); export it "
            "again as an ordinary JPEG or PNG and upload that.",
            code="not_storable",
        ) from None
    stem = slugify(PurePosixPath(name).stem, allow_unicode=True)[:80] or "image"
    return CheckedImage(encoded, name=f"{stem}.{EXTENSIONS[image.format]}")


def validate_image_file(file) -> None:
    """Model-field validator: a new file must pass `checked_upload`.

    A file already in storage was checked when it came in (and Django may have
    closed it after reading its size), and one `checked_upload` made is its
    own proof: neither is decoded again.
    """
    if getattr(file, "_committed", False):
        return
    if isinstance(getattr(file, "file", None), CheckedImage):
        return
    position = file.tell() if hasattr(file, "tell") else 0
    checked_upload(file)
    file.seek(position)


def prepared_upload(data: bytes, name: str) -> CheckedImage:
    """`checked_upload` for bytes already in memory (fetched figures)."""
    return checked_upload(ContentFile(data, name=name))


def _decoded(data: bytes) -> tuple[Image.Image, list[int]]:
    """Open with Pillow, check the limits, decode every frame.

    Returns the image at its first frame and, for an animation, each frame's
    duration in milliseconds (an empty list for a still image).
    """
    pixel_limit = settings.IMAGE_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb warning starts above our (lower) pixel limit.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            Image.open(io.BytesIO(data), formats=DECODERS).verify()  # PNG CRCs
            image = Image.open(io.BytesIO(data), formats=DECODERS)
    except UnidentifiedImageError:
        raise _not_an_image() from None
    except Image.DecompressionBombError:
        raise ValidationError(
            f"The image has far too many pixels; the limit is "
            f"{pixel_limit / 1_000_000:.0f} megapixels.",
            code="too_many_pixels",
        ) from None
    except Exception as exc:  # Pillow's plugins raise many kinds
        raise _damaged(exc) from None
    if image.format not in EXTENSIONS:
        raise _not_an_image()
    width, height = image.size
    if width * height > pixel_limit:
        raise ValidationError(
            f"The image is {width}×{height} pixels; the limit is "
            f"{pixel_limit / 1_000_000:.0f} megapixels.",
            code="too_many_pixels",
        )
    durations = []
    try:
        image.load()
        if image.format in ANIMATED_FORMATS and getattr(image, "is_animated", False):
            durations.append(image.info.get("duration", 100))
            frames = 1
            while True:
                try:
                    image.seek(frames)
                except EOFError:
                    break
                frames += 1
                if frames > MAX_FRAMES or frames * width * height > pixel_limit:
                    raise ValidationError(
                        f"The animation has too many frames for its size: at "
                        f"most {MAX_FRAMES} frames and "
                        f"{pixel_limit / 1_000_000:.0f} megapixels in all.",
                        code="too_many_frames",
                    )
                image.load()
                durations.append(image.info.get("duration", 100))
            image.seek(0)
    except ValidationError:
        raise
    except Exception as exc:  # as above
        raise _damaged(exc) from None
    return image, durations


def _reencoded(image: Image.Image, durations: list[int], data: bytes) -> bytes:
    """The decoded image saved again by Pillow, in the format it came in.

    Only pixels, animation timing, transparency and the colour profile are
    kept: comments, EXIF, XMP and anything after the image's end are dropped.
    """
    buffer = io.BytesIO()
    icc_profile = image.info.get("icc_profile")
    fmt = image.format
    if durations:
        options = {"save_all": True, "duration": durations}
        if "loop" in image.info:
            options["loop"] = image.info["loop"]
        if fmt == "WEBP":
            options.update(lossless=_webp_is_lossless(data), quality=90)
        image.save(buffer, format=fmt, comment=b"", icc_profile=icc_profile, **options)
        return buffer.getvalue()
    if fmt in ("JPEG", "MPO"):
        qtables = getattr(image, "quantization", None)
        subsampling = JpegImagePlugin.get_sampling(image)
        upright = ImageOps.exif_transpose(image)
        if upright.mode not in ("L", "RGB", "CMYK"):
            upright = upright.convert("RGB")
        options = {"quality": 90}
        if qtables:
            # The source's own quantisation: re-encoding costs next to nothing
            # in quality or size.
            options = {"qtables": qtables, "subsampling": subsampling}
        upright.save(
            buffer,
            format="JPEG",
            comment=b"",
            icc_profile=icc_profile,
            progressive=bool(image.info.get("progressive")),
            **options,
        )
        return buffer.getvalue()
    upright = ImageOps.exif_transpose(image)
    options = {"icc_profile": icc_profile}
    if fmt == "WEBP":
        options.update(lossless=_webp_is_lossless(data), quality=90)
    if fmt == "GIF":
        options["comment"] = b""
    upright.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _webp_is_lossless(data: bytes) -> bool:
    """Whether a WebP's (first frame's) bitstream is lossless (VP8L), from its chunks."""
    offset = 12  # after "RIFF", the size and "WEBP"
    while offset + 8 <= len(data):
        fourcc = data[offset : offset + 4]
        size = int.from_bytes(data[offset + 4 : offset + 8], "little")
        if fourcc in (b"VP8L", b"VP8 "):
            return fourcc == b"VP8L"
        if fourcc == b"ANMF":  # a frame: a 16-byte header, then its own chunks
            offset += 8 + 16
            continue
        offset += 8 + size + (size & 1)
    return False


def _too_large(size: int, limit: int) -> ValidationError:
    return ValidationError(
        f"The file is {size / 1_048_576:.1f} MB; the limit is "
        f"{limit / 1_048_576:.0f} MB.",
        code="too_large",
    )


def _not_an_image() -> ValidationError:
    return ValidationError(
        "This file is not an image we accept: upload a JPEG, PNG, GIF or WebP.",
        code="not_an_image",
    )


def _damaged(exc: Exception) -> ValidationError:
    return ValidationError(
        f"The image is damaged or incomplete ({exc}); export it again from an "
        "image editor and upload the new file.",
        code="damaged",
    )


def make_renditions(image_name: str) -> list[dict]:
    """Narrower WebP copies of a stored image, for srcset: [{width, name}].

    A stored file that cannot be decoded (one from before uploads were fully
    checked, or damaged in storage) gets no renditions and a log line: it must
    not make the save that asked for them fail.
    """
    try:
        with default_storage.open(image_name, "rb") as stored:
            image = Image.open(stored)
            width, height = image.size
            if width * height > settings.IMAGE_MAX_PIXELS:
                raise ValueError(f"{width}×{height} pixels is over the limit")
            image.load()
        if image.mode not in ("RGB", "RGBA"):
            has_alpha = "A" in image.getbands() or "transparency" in image.info
            image = image.convert("RGBA" if has_alpha else "RGB")
    except Exception as exc:  # Pillow's plugins raise many kinds
        logger.warning("No renditions for %s: %s", image_name, exc)
        return []
    stem = PurePosixPath(image_name).stem
    renditions = []
    for width in settings.IMAGE_RENDITION_WIDTHS:
        if width >= image.width:
            break
        height = round(image.height * width / image.width)
        copy = image.resize((width, height), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        copy.save(buffer, format="WEBP", quality=82)
        name = default_storage.save(
            f"renditions/{stem}-{width}w.webp", ContentFile(buffer.getvalue())
        )
        renditions.append({"width": width, "name": name})
    return renditions
