"""A refused photo is explained in the reader's language, in KB/MB or megapixels, never a byte count."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation
from PIL import Image

from tips.errors import ImageTooLargeError, PhotoTooLargeError
from tips.photos import photo_clean


def _jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((width, height), 50).convert("RGB").save(out, "JPEG", quality=95)
    return out.getvalue()


@override_settings(FUBI_MAX_PHOTO_BYTES=10_000)
def test_an_oversized_photo_is_refused_in_chinese_without_a_byte_count() -> None:
    upload = SimpleUploadedFile("big.jpg", _jpeg(200, 200), content_type="image/jpeg")
    assert upload.size > 10_000
    with translation.override("zh-hans"), pytest.raises(PhotoTooLargeError) as caught:
        photo_clean(upload, index=0)
    size = f"{upload.size / 1024:.1f}"
    nbsp = "\xa0"  # Django's filesizeformat keeps number and unit together
    assert caught.value.message == f"第 1 张照片大小为 {size}{nbsp}KB，上限为 9.8{nbsp}KB，请选择更小的图片。"
    assert caught.value.details == {"photo": 0, "max_bytes": 10_000}


@override_settings(FUBI_MAX_PHOTO_PIXELS=1_000_000)
def test_a_photo_with_too_many_pixels_is_refused_in_english_in_megapixels() -> None:
    upload = SimpleUploadedFile("wide.jpg", _jpeg(1200, 1000), content_type="image/jpeg")
    with translation.override("en"), pytest.raises(ImageTooLargeError) as caught:
        photo_clean(upload, index=1)
    assert caught.value.message == "Photo 2 has more than 1 megapixels; choose a smaller picture."
