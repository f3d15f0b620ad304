"""The tip form with a 50 MP phone photo, at phone size in both languages: the page shrinks it in the
browser below the server's limits, shows its thumbnail and a progress bar while sending (the upload
is throttled so people could see it), keeps the button disabled, and the tip is created. A file the
server refuses is refused in the page's language."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image
from playwright.sync_api import expect

from accounts.tests.factories import GridFactory, box
from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 8660, 5773  # 49.99 MP, a 50 MP phone's photo


@pytest.fixture(scope="module")
def big_photo(tmp_path_factory) -> Path:
    """A 50 MP JPEG heavier than the server's limit: a gradient, soft blobs and fine grain."""
    base = Image.linear_gradient("L").resize((WIDTH, HEIGHT)).convert("RGB")
    blobs = Image.effect_noise((WIDTH // 8, HEIGHT // 8), 60).convert("RGB").resize((WIDTH, HEIGHT), Image.BILINEAR)
    image = Image.blend(Image.blend(base, blobs, 0.5), Image.effect_noise((WIDTH, HEIGHT), 40).convert("RGB"), 0.2)
    path = tmp_path_factory.mktemp("photos") / "IMG_5000.jpg"
    image.save(path, "JPEG", quality=90)
    return path


def _district() -> None:
    from tips.services import categories_ensure

    categories_ensure()
    GridFactory(code="u-district", level="district", boundary=box(26.0, 119.2, 26.2, 119.4))


def _throttle_upload(page, bytes_per_second: int) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": bytes_per_second},
    )


@pytest.mark.parametrize(
    ("locale", "shrunk_text", "sending_text"),
    [("zh-CN", "已缩小以便发送", "发送中"), ("en-US", "made smaller for sending", "Sending")],
)
def test_a_50_mp_photo_is_shrunk_sent_with_progress_and_the_tip_created(
    new_page, make_user, password, big_photo, locale, shrunk_text, sending_text
) -> None:
    from tips.models import Tip

    # given a district, a citizen on the tip form and a photo past the server's byte limit
    assert big_photo.stat().st_size > settings.FUBI_MAX_PHOTO_BYTES
    _district()
    citizen = make_user()
    page = new_page(locale=locale, geolocation={"latitude": 26.07, "longitude": 119.25})
    browser_login(page, citizen.email, password)
    page.goto("/tips/new/")
    expect(page.get_by_test_id("tip-lat")).to_have_value(re.compile(r"^26\.07"))
    page.get_by_test_id("tip-category").select_option("urban_management")
    page.get_by_test_id("tip-description").fill("Broken street light")
    # when the photo is chosen, it is shrunk in the browser and its thumbnail shown
    page.get_by_test_id("tip-photos").set_input_files(big_photo, timeout=60_000)
    thumb = page.get_by_test_id("tip-thumb-0")
    expect(thumb).to_contain_text(shrunk_text, timeout=60_000)
    expect(thumb.locator("img")).to_be_visible()
    expect(page.get_by_test_id("tip-photos-note")).to_have_text("✓ 1")
    # and sent over a slow link: the progress bar moves and the button stays disabled
    _throttle_upload(page, 400_000)
    page.get_by_test_id("tip-submit").click()
    bar = page.get_by_test_id("tip-progress-bar")
    expect(bar).to_be_visible()
    expect(page.get_by_test_id("tip-submit")).to_be_disabled()
    page.wait_for_function("() => { const b = document.getElementById('tip-progress-bar'); return b.value > 5; }")
    expect(page.get_by_test_id("tip-progress-text")).to_contain_text(sending_text)
    screenshot(page, f"tips-upload-progress-{locale[:2]}")
    # then the tip is created with the photo, and the page opens it
    page.wait_for_url(re.compile(r"/tips/\d+/$"), timeout=60_000)
    tip = Tip.objects.get(reporter=citizen)
    expect(page.get_by_test_id("tip-reference")).to_have_text(tip.reference)
    photo = tip.photos.get()
    assert max(photo.width, photo.height) <= 4096
    assert photo.width > photo.height  # landscape kept
    screenshot(page, f"tips-upload-created-{locale[:2]}")


@pytest.mark.parametrize(
    ("locale", "refusal"),
    [("zh-CN", "第 1 张照片不是 JPEG、PNG 或 WebP 图片。"), ("en-US", "Photo 1 is not a JPEG, PNG or WebP image.")],
)
def test_a_refused_file_is_explained_in_the_pages_language(new_page, make_user, password, locale, refusal) -> None:
    from tips.models import Tip

    # given a citizen on the tip form with a file that is no image
    _district()
    citizen = make_user()
    page = new_page(locale=locale, geolocation={"latitude": 26.07, "longitude": 119.25})
    browser_login(page, citizen.email, password)
    page.goto("/tips/new/")
    expect(page.get_by_test_id("tip-lat")).to_have_value(re.compile(r"^26\.07"))
    page.get_by_test_id("tip-category").select_option("urban_management")
    page.get_by_test_id("tip-description").fill("Rubbish by the gate")
    page.get_by_test_id("tip-photos").set_input_files(
        files=[{"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"not an image at all"}]
    )
    expect(page.get_by_test_id("tip-photos-note")).to_have_text("✓ 1")
    # when it is sent
    page.get_by_test_id("tip-submit").click()
    # then the server's refusal is shown in the page's language, and the form can be sent again
    expect(page.get_by_test_id("tip-error")).to_have_text(refusal)
    expect(page.get_by_test_id("tip-submit")).to_be_enabled()
    assert Tip.objects.filter(reporter=citizen).count() == 0
    screenshot(page, f"tips-upload-refused-{locale[:2]}")
