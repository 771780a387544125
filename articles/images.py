"""Figure images: what an upload must be, and the renditions pages serve.

Every image that reaches storage, uploaded in the admin or fetched from an
imported figure's source URL, is opened by Pillow first: only real JPEG,
PNG, GIF and WebP rasters within the size and pixel limits pass (no SVG, no
HTML or scripts renamed .jpg, no decompression bombs). EXIF orientation is
applied to the pixels, so phones' sideways photos stand up everywhere, and
smaller renditions are made for `srcset`.
"""

from __future__ import annotations

import io
import warnings
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "GIF": "GIF", "WEBP": "WebP"}


def check_image(data: bytes) -> Image.Image:
    """Open and verify image bytes; ValidationError with a reader's reason."""
    limit = settings.IMAGE_MAX_BYTES
    if len(data) > limit:
        raise ValidationError(
            f"The image is {len(data) / 1_048_576:.1f} MB; the limit is "
            f"{limit / 1_048_576:.0f} MB.",
            code="too_large",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            image.verify()  # a truncated or corrupt file fails here
            image = Image.open(io.BytesIO(data))
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise ValidationError(
            "This file is not an image Pillow can read (JPEG, PNG, GIF or WebP).",
            code="not_an_image",
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(f"The image is damaged: {exc}", code="damaged") from None
    if image.format not in ALLOWED_FORMATS:
        raise ValidationError(
            f"{image.format} images are not accepted; use JPEG, PNG, GIF or WebP.",
            code="format",
        )
    width, height = image.size
    if width * height > settings.IMAGE_MAX_PIXELS:
        raise ValidationError(
            f"The image is {width}×{height} pixels; the limit is "
            f"{settings.IMAGE_MAX_PIXELS / 1_000_000:.0f} megapixels.",
            code="too_many_pixels",
        )
    return image


def validate_image_file(file) -> None:
    """Model-field validator: a new upload must pass check_image.

    A file already in storage was checked when it came in (and Django may have
    closed it after reading its size), so it is not read again.
    """
    if getattr(file, "_committed", False):
        return
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    data = file.read()
    file.seek(position)
    check_image(data)


def prepared_upload(data: bytes, name: str) -> ContentFile:
    """Checked image bytes with EXIF orientation applied, ready to store."""
    image = check_image(data)
    orientation = image.getexif().get(0x0112, 1)
    if orientation in (None, 1):
        return ContentFile(data, name=name)
    upright = ImageOps.exif_transpose(image)
    buffer = io.BytesIO()
    save_format = image.format
    if save_format == "JPEG" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    upright.save(buffer, format=save_format, quality=90)
    return ContentFile(buffer.getvalue(), name=name)


def make_renditions(image_name: str) -> list[dict]:
    """Narrower WebP copies of a stored image, for srcset: [{width, name}]."""
    with default_storage.open(image_name, "rb") as stored:
        image = Image.open(stored)
        image.load()
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
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
