"""Review photos: checked by content, limited, re-encoded without metadata, thumbnailed.

What the upload's name or Content-Type say is ignored: Pillow (with ``pillow-heif`` for phones'
HEIC/HEIF) must recognise the bytes as JPEG, PNG, WebP or HEIF. The pixel count is checked from the
header before anything is decoded, so a decompression bomb is refused without being expanded. The
stored file is a fresh JPEG of the pixels only, with the orientation applied first: no EXIF (GPS),
XMP, ICC profile or comment survives.
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass

import pillow_heif
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

pillow_heif.register_heif_opener()

MAX_PHOTOS = 5
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
THUMBNAIL_SIZE = 320
JPEG_QUALITY = 85
FORMATS = {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp", "HEIF": "heif"}


@dataclass(frozen=True)
class ProcessedPhoto:
    image: bytes
    thumbnail: bytes
    width: int
    height: int
    source_format: str
    name: str  # a fresh random file name; the uploader's name is never used


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new RGB image holding only the pixels (transparency flattened onto white)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        clean = Image.new("RGB", rgba.size, (255, 255, 255))
        clean.paste(rgba, mask=rgba.getchannel("A"))
    else:
        converted = image.convert("RGB")
        clean = Image.new("RGB", converted.size)
        clean.paste(converted)
    clean.info = {}
    return clean


def photo_process(upload) -> ProcessedPhoto:
    """Validate and re-encode one uploaded file; ``ValidationError`` with a clear message if refused."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ValidationError(
            _("Each photo may be at most %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)},
            code="photo_too_large",
        )
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(
            _("Each photo may be at most %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)},
            code="photo_too_large",
        )
    not_an_image = ValidationError(
        _("This file is not a JPEG, PNG, WebP or HEIC photo."), code="photo_not_an_image"
    )
    too_many_pixels = ValidationError(
        _("A photo may have at most %(mp)d million pixels.") % {"mp": MAX_PIXELS // 1_000_000},
        code="photo_too_many_pixels",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many_pixels from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            raise not_an_image from None
        source_format = FORMATS.get(image.format or "")
        if source_format is None:
            raise not_an_image
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise too_many_pixels
        try:
            image.load()
            image = ImageOps.exif_transpose(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many_pixels from None
        except (OSError, ValueError, SyntaxError):
            raise not_an_image from None
    clean = _pixels_only(image)
    thumbnail = clean.copy()
    thumbnail.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    return ProcessedPhoto(
        image=_jpeg(clean),
        thumbnail=_jpeg(thumbnail),
        width=clean.width,
        height=clean.height,
        source_format=source_format,
        name=uuid.uuid4().hex,
    )


def photos_process(uploads: list) -> list[ProcessedPhoto]:
    if len(uploads) > MAX_PHOTOS:
        raise ValidationError(
            _("At most %(n)d photos per review.") % {"n": MAX_PHOTOS}, code="too_many_photos"
        )
    return [photo_process(upload) for upload in uploads]
