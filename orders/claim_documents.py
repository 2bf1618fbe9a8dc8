"""Claim documents: the sale receipt and photos (003 §11–12), checked by content.

As for review photos, what the upload's name or Content-Type say is ignored. A PDF must open in
PDFium (pypdfium2) with at least one page; it is kept as sent, and only ever served as a download.
An image must be recognised by Pillow as JPEG or PNG, its pixel count is checked from the header
before anything is decoded (no decompression bomb), and the stored file is a fresh encoding of the
pixels only: no EXIF (GPS), XMP or comment survives.
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass

import pypdfium2
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

MAX_DOCUMENTS = 10  # per claim, all uploads together
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
PDF = "application/pdf"
IMAGE_TYPES = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}


@dataclass(frozen=True)
class CheckedDocument:
    content: bytes
    content_type: str
    name: str  # a fresh random file name; the uploader's name is never used


def _not_a_document() -> ValidationError:
    return ValidationError(_("This file is not a PDF, JPEG or PNG document."), code="document_not_accepted")


def _pdf(data: bytes) -> CheckedDocument:
    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        raise _not_a_document() from None
    try:
        if len(pdf) < 1:
            raise _not_a_document()
    finally:
        pdf.close()
    return CheckedDocument(content=data, content_type=PDF, name=f"{uuid.uuid4().hex}.pdf")


def _image(data: bytes) -> CheckedDocument:
    too_many_pixels = ValidationError(
        _("An image may have at most %(mp)d million pixels.") % {"mp": MAX_PIXELS // 1_000_000},
        code="document_too_many_pixels",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many_pixels from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            raise _not_a_document() from None
        if image.format not in IMAGE_TYPES:
            raise _not_a_document()
        content_type, extension = IMAGE_TYPES[image.format]
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise too_many_pixels
        try:
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many_pixels from None
        except (OSError, ValueError, SyntaxError):
            raise _not_a_document() from None
    # The pixels only, in the format they came in.
    mode = "RGBA" if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info else "RGB"
    if image.format == "JPEG":
        mode = "RGB"
    pixels = image.convert(mode)
    clean = Image.new(mode, pixels.size)
    clean.paste(pixels)
    out = io.BytesIO()
    if image.format == "JPEG":
        clean.save(out, "JPEG", quality=90)
    else:
        clean.save(out, "PNG", optimize=True)
    return CheckedDocument(
        content=out.getvalue(), content_type=content_type, name=f"{uuid.uuid4().hex}.{extension}"
    )


def document_check(upload) -> CheckedDocument:
    """One upload as it will be stored; ``ValidationError`` with a clear message if refused."""
    too_large = ValidationError(
        _("Each document may be at most %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)},
        code="document_too_large",
    )
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise too_large
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise too_large
    if data.startswith(b"%PDF-"):
        return _pdf(data)
    return _image(data)


def documents_check(uploads: list, *, already: int = 0) -> list[CheckedDocument]:
    """Every upload checked; at most :data:`MAX_DOCUMENTS` per claim with the ``already`` stored."""
    if already + len(uploads) > MAX_DOCUMENTS:
        raise ValidationError(
            _("At most %(n)d documents per claim.") % {"n": MAX_DOCUMENTS}, code="too_many_documents"
        )
    return [document_check(upload) for upload in uploads]
