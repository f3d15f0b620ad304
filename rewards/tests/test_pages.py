"""The shop's HTML pages, the admin's CSV upload, and the demo seed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import User
from rewards import services
from rewards.models import Redemption, RedemptionStatus, Reward, RewardKind, VoucherCode
from rewards.tests.conftest import wallet

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-9"


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="accounts.backends.ModelBackend")
    return client


def test_shop_and_item_pages_render_for_visitors(make_reward):
    reward = make_reward(name="沐浴露", name_en="Shower gel", price=80, stock=7)
    client = Client()
    shop = client.get("/rewards/")
    assert shop.status_code == 200
    assert "沐浴露" in shop.content.decode()
    item = client.get(f"/rewards/{reward.pk}/")
    assert item.status_code == 200
    assert "80" in item.content.decode()
    english = Client(headers={"accept-language": "en"}).get(f"/rewards/{reward.pk}/")
    assert "Shower gel" in english.content.decode()
    assert client.get("/rewards/999999/").status_code == 404


def test_ordering_on_the_item_page_reserves_and_shows_the_qr_code(citizen, make_reward, pickup_point):
    reward = make_reward(price=80, stock=7)
    client = logged_in(citizen)
    form = {"quantity": "1", "pickup_point_id": str(pickup_point.pk), "form_key": "k1"}
    response = client.post(f"/rewards/{reward.pk}/", form)
    assert response.status_code == 302
    assert response["Location"].startswith("/rewards/orders/")
    # a double submit of the same form makes no second order
    client.post(f"/rewards/{reward.pk}/", form)
    order = Redemption.objects.get(user=citizen)
    assert wallet(citizen)["held"] == 80
    page = client.get("/rewards/orders/").content.decode()
    assert order.code in page
    assert "<svg" in page
    assert f'data-testid="order-{order.pk}"' in page


def test_item_page_shows_domain_errors_as_messages(make_user, give_points, make_reward, pickup_point):
    poor = make_user()
    give_points(poor, 5)
    reward = make_reward(price=80, stock=7)
    response = logged_in(poor).post(
        f"/rewards/{reward.pk}/", {"quantity": "1", "pickup_point_id": str(pickup_point.pk)}, follow=True
    )
    assert response.status_code == 200
    assert "message error" in response.content.decode()
    assert not Redemption.objects.exists()


def test_cancel_from_the_orders_page(citizen, make_reward, pickup_point):
    reward = make_reward(price=80, stock=7)
    order = services.reward_redeem(reward_id=reward.pk, user=citizen, pickup_point_id=pickup_point.pk)
    response = logged_in(citizen).post(f"/rewards/orders/{order.pk}/cancel/")
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == RedemptionStatus.CANCELLED


def test_orders_page_needs_login():
    response = Client().get("/rewards/orders/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_fulfil_page_for_clerks_only(citizen, clerk, make_reward, pickup_point):
    reward = make_reward(price=80, stock=7)
    order = services.reward_redeem(reward_id=reward.pk, user=citizen, pickup_point_id=pickup_point.pk)
    assert logged_in(citizen).get("/staff/fulfil/").status_code == 403
    client = logged_in(clerk)
    page = client.get("/staff/fulfil/")
    assert page.status_code == 200
    assert "rewards-fulfil.js" in page.content.decode()
    response = client.post("/staff/fulfil/", {"code": order.code})
    assert response.status_code == 200
    assert 'data-testid="fulfilled"' in response.content.decode()
    order.refresh_from_db()
    assert order.status == RedemptionStatus.FULFILLED
    again = client.post("/staff/fulfil/", {"code": order.code}).content.decode()
    assert "message error" in again


def test_admin_uploads_voucher_codes_from_csv(make_user, make_reward):
    admin = User.objects.create_superuser(email="boss@example.com", password=PASSWORD)
    reward = make_reward(kind=RewardKind.VIRTUAL, codes=0)
    client = logged_in(admin)
    url = f"/admin/rewards/reward/{reward.pk}/upload-codes/"
    assert client.get(url).status_code == 200
    csv = b"code\nAAA-1\nAAA-2\n\nAAA-2\nAAA-3,extra column\n"
    response = client.post(url, {"file": SimpleUploadedFile("codes.csv", csv, content_type="text/csv")})
    assert response.status_code == 302
    reward.refresh_from_db()
    assert reward.stock_left == 3
    assert sorted(VoucherCode.objects.filter(reward=reward).values_list("code", flat=True)) == [
        "AAA-1",
        "AAA-2",
        "AAA-3",
    ]
    # uploading the same file again adds nothing
    client.post(url, {"file": SimpleUploadedFile("codes.csv", csv, content_type="text/csv")})
    reward.refresh_from_db()
    assert reward.stock_left == 3
    # a binary file is refused with a form error, not a 500
    bad = client.post(url, {"file": SimpleUploadedFile("codes.csv", b"\xff\xfe\x00bad", content_type="text/csv")})
    assert bad.status_code == 200
    assert "UTF-8" in bad.content.decode()
    # the catalogue and order lists render
    assert client.get("/admin/rewards/reward/").status_code == 200
    assert client.get("/admin/rewards/redemption/").status_code == 200
    assert client.get(f"/admin/rewards/reward/{reward.pk}/change/").status_code == 200


def test_codes_cannot_be_added_to_a_physical_reward(make_reward):
    from core.errors import InvalidError

    with pytest.raises(InvalidError):
        services.voucher_codes_add(reward=make_reward(kind=RewardKind.PHYSICAL), codes=["X"])


def test_demo_seed_is_idempotent_and_meets_api_md():
    from accounts import demo as accounts_demo
    from ledger import demo as ledger_demo
    from rewards import demo

    ctx: dict = {}
    accounts_demo.seed(ctx)
    ledger_demo.seed(ctx)
    demo.seed(ctx)
    counts = (Reward.objects.count(), VoucherCode.objects.count(), Redemption.objects.count())
    demo.seed(ctx)
    assert (Reward.objects.count(), VoucherCode.objects.count(), Redemption.objects.count()) == counts
    # the demo citizen has one order waiting at the pickup point and one delivered code
    statuses = sorted(Redemption.objects.filter(user=ctx["citizen"]).values_list("status", flat=True))
    assert statuses == [RedemptionStatus.DELIVERED, RedemptionStatus.RESERVED]
    virtual, physical = ctx["reward_virtual"], ctx["reward_physical"]
    assert virtual.kind == RewardKind.VIRTUAL
    assert physical.kind == RewardKind.PHYSICAL
    for reward in (virtual, physical):
        reward.refresh_from_db()
    assert [(virtual.stock_left, virtual.price_points), (physical.stock_left, physical.price_points)] == [
        (1199, 50),
        (1499, 80),
    ]
    assert ctx["pickup_point"] in physical.pickup_points.all()
    assert Reward.objects.count() == 6


def test_admin_restocks_atomically_without_undoing_orders(citizen, make_reward, pickup_point):
    # given the admin opened the form at stock 10, then a citizen ordered 1 (stock 9)
    admin = User.objects.create_superuser(email="boss2@example.com", password=PASSWORD)
    reward = make_reward(price=80, stock=10)
    client = logged_in(admin)
    url = f"/admin/rewards/reward/{reward.pk}/change/"
    assert client.get(url).status_code == 200
    services.reward_redeem(reward_id=reward.pk, user=citizen, pickup_point_id=pickup_point.pk)
    form = {
        "name": reward.name,
        "name_en": "Renamed",
        "description": "",
        "description_en": "",
        "kind": reward.kind,
        "sort_order": "0",
        "price_points": "80",
        "cost_0": "9.90",
        "cost_1": "CNY",
        "add_stock": "5",
        "per_user_limit": "",
        "is_active": "on",
        "starts_at_0": "",
        "starts_at_1": "",
        "ends_at_0": "",
        "ends_at_1": "",
        "pickup_points": [str(pickup_point.pk)],
    }
    # when the admin saves a rename and "add 5"
    response = client.post(url, form)
    # then the order's decrement survives: 10 - 1 + 5
    assert response.status_code == 302, response.content.decode()[-2000:]
    reward.refresh_from_db()
    assert reward.name_en == "Renamed"
    assert reward.stock_left == 14
