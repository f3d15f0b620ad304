"""Checking and cleaning uploaded photos, before anything is stored.

A photo is accepted only if its *bytes* decode as JPEG, PNG or WebP (HEIC when a Pillow plugin for
it is installed) — the file name and the declared content type are ignored. It must be within
FUBI_MAX_PHOTO_BYTES and FUBI_MAX_PHOTO_PIXELS, decode completely, and is then re-encoded as a
fresh JPEG with its orientation applied: a new bitmap carries none of the original's metadata (EXIF
with GPS, ICC, XMP, comments), and the original bytes are never kept.

Decisions: a decompression bomb (too many pixels for its size) answers 413 `image_too_large`,
because the remedy is the same as for an oversized file — send a smaller picture; a truncated or
damaged image answers 422 `corrupt_image`; anything that is not an image 415.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import formats
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from tips.errors import CorruptImageError, ImageTooLargeError, PhotoTooLargeError, UnsupportedMediaTypeError

MAX_PHOTOS = 6
# Longest edge of the stored photo and of its thumbnail: phones send 4000+ px, staff need less.
STORED_MAX_EDGE = 2560
THUMBNAIL_EDGE = 320
JPEG_QUALITY = 85


def allowed_formats() -> tuple[str, ...]:
    """The decoders we let Pillow try: never its exotic ones (EPS, PSD, ...)."""
    Image.init()
    formats = ["JPEG", "PNG", "WEBP"]
    formats += [name for name in ("HEIF", "AVIF") if name in Image.OPEN]
    return tuple(formats)


def max_photo_bytes() -> int:
    return int(settings.FUBI_MAX_PHOTO_BYTES)


def max_photo_pixels() -> int:
    return int(settings.FUBI_MAX_PHOTO_PIXELS)


@dataclass(frozen=True)
class CleanPhoto:
    content: bytes
    width: int
    height: int
    original_format: str
    sha256: str


def photo_clean(upload: UploadedFile, *, index: int = 0) -> CleanPhoto:
    """Check one upload and return it re-encoded without metadata.

    Raises PhotoTooLargeError/ImageTooLargeError (413), UnsupportedMediaTypeError (415),
    CorruptImageError (422).
    """
    limit = max_photo_bytes()
    name = (upload.name or "")[:100]
    if upload.size is not None and upload.size > limit:
        raise PhotoTooLargeError(_photo_too_large_message(index, limit, upload.size), photo=index, max_bytes=limit)
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:  # a client that lied about the size
        raise PhotoTooLargeError(_photo_too_large_message(index, limit), photo=index, max_bytes=limit)
    return photo_clean_bytes(data, index=index, name=name)


def photo_clean_bytes(data: bytes, *, index: int = 0, name: str = "") -> CleanPhoto:
    """The checks and the re-encoding of photo_clean, on bytes already read."""
    formats = allowed_formats()
    max_pixels = max_photo_pixels()
    with warnings.catch_warnings():
        # Pillow warns (and past twice its limit raises) for decompression bombs: make both errors.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data), formats=formats)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_many_pixels(index, max_pixels) from exc
        except UnidentifiedImageError as exc:
            raise UnsupportedMediaTypeError(
                _("Photo %(number)d is not a JPEG, PNG or WebP image.") % {"number": index + 1}, photo=index, name=name
            ) from exc
        except (OSError, SyntaxError, ValueError) as exc:
            raise CorruptImageError(
                _("Photo %(number)d could not be read.") % {"number": index + 1}, photo=index
            ) from exc
        original_format = probe.format or "?"
        width, height = probe.size
        if width * height > max_pixels or width <= 0 or height <= 0:
            raise _too_many_pixels(index, max_pixels, width, height)
        try:
            probe.verify()  # structure and checksums, without decoding the pixels
        except Exception as exc:  # Pillow's plugins raise many types here
            raise CorruptImageError(_("Photo %(number)d is damaged.") % {"number": index + 1}, photo=index) from exc
        try:
            image = Image.open(io.BytesIO(data), formats=formats)
            # A JPEG decodes at 1/2, 1/4 or 1/8 scale when that still covers the stored size: a
            # 50 MP photo then takes a quarter of the memory. Other formats ignore it.
            image.draft(None, (STORED_MAX_EDGE, STORED_MAX_EDGE))
            image.load()  # the one decode of every pixel: a truncated file fails here
            image = ImageOps.exif_transpose(image) or image
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_many_pixels(index, max_pixels) from exc
        except Exception as exc:
            raise CorruptImageError(
                _("Photo %(number)d is damaged or incomplete.") % {"number": index + 1}, photo=index
            ) from exc
    image = _flatten_to_rgb(image)
    image.thumbnail((STORED_MAX_EDGE, STORED_MAX_EDGE))
    content = _encode_jpeg(image)
    return CleanPhoto(
        content=content,
        width=image.width,
        height=image.height,
        original_format=original_format,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def thumbnail_bytes(content: bytes) -> bytes:
    """A small JPEG of a stored (already clean) photo."""
    with Image.open(io.BytesIO(content), formats=("JPEG",)) as image:
        image.load()
        small = _flatten_to_rgb(image)
        small.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE))
        return _encode_jpeg(small)


def _too_many_pixels(index: int, max_pixels: int, width: int | None = None, height: int | None = None) -> Exception:
    details = {"photo": index, "max_pixels": max_pixels}
    if width is not None:
        details.update(width=width, height=height)
    # Shown to the citizen as it is: in their language, in megapixels rather than a raw count.
    message = _("Photo %(number)d has more than %(megapixels)s megapixels; choose a smaller picture.") % {
        "number": index + 1,
        "megapixels": formats.number_format(max_pixels / 1_000_000, decimal_pos=0, use_l10n=True),
    }
    return ImageTooLargeError(message, **details)


def _photo_too_large_message(index: int, limit: int, size: int | None = None) -> str:
    """The refusal of an oversized photo in the reader's language, in MB, never a byte count."""
    if size is None:
        return _("Photo %(number)d is larger than %(limit)s; choose a smaller picture.") % {
            "number": index + 1,
            "limit": filesizeformat(limit),
        }
    return _("Photo %(number)d is %(size)s; the limit is %(limit)s. Choose a smaller picture.") % {
        "number": index + 1,
        "size": filesizeformat(size),
        "limit": filesizeformat(limit),
    }


def _flatten_to_rgb(image: Image.Image) -> Image.Image:
    """RGB on white: transparency flattened, palettes and 16-bit modes converted."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _encode_jpeg(image: Image.Image) -> bytes:
    # A brand-new image has an empty .info: nothing of the original's metadata can ride along.
    fresh = Image.new("RGB", image.size)
    fresh.paste(image)
    out = io.BytesIO()
    fresh.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()
