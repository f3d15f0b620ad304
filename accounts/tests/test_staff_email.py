"""Staff roles go only to verified email addresses (issue 13, hole 9): someone who signed up with
an address they do not control cannot be made staff, by the services or in the admin."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from accounts.errors import EmailUnverifiedError
from accounts.models import AgencyMembership, GridMembership, PickupPointMembership
from accounts.services import agency_membership_add, grid_membership_add, pickup_point_membership_add
from accounts.tests.factories import AgencyFactory, GridFactory, PickupPointFactory

pytestmark = pytest.mark.django_db

GRANTS = {
    "agency": (agency_membership_add, "agency", AgencyFactory, AgencyMembership),
    "grid": (grid_membership_add, "grid", GridFactory, GridMembership),
    "pickup_point": (pickup_point_membership_add, "pickup_point", PickupPointFactory, PickupPointMembership),
}


@pytest.mark.parametrize("kind", list(GRANTS))
def test_an_unverified_email_cannot_be_made_staff(make_user, kind) -> None:
    # given an account whose email address was never verified (signed up with someone else's)
    impostor = make_user(email="chief@police.example", email_verified=False)
    add, field, factory, model = GRANTS[kind]
    # when it is made staff
    with pytest.raises(EmailUnverifiedError) as refused:
        add(user=impostor, **{field: factory()})
    # then nothing was granted
    impostor.refresh_from_db()
    assert refused.value.code == "email_unverified"
    assert impostor.roles == ["citizen"]
    assert not model.objects.filter(user=impostor).exists()


def test_a_verified_email_can_be_made_staff(make_user) -> None:
    user = make_user(email_verified=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    grid_membership_add(user=user, grid=GridFactory())
    user.refresh_from_db()
    assert "grid_staff" in user.roles


def test_a_verified_other_address_does_not_count(make_user) -> None:
    # given an account whose login address is unverified, with another address verified
    user = make_user(email_verified=False)
    EmailAddress.objects.create(user=user, email="elsewhere@example.com", verified=True, primary=False)
    with pytest.raises(EmailUnverifiedError):
        agency_membership_add(user=user, agency=AgencyFactory())


@pytest.fixture
def admin_client(make_user) -> Client:
    admin = make_user(is_staff=True, is_superuser=True, roles=["admin"])
    client = Client()
    client.force_login(admin)
    return client


def user_form(user, **extra) -> dict:
    form = {
        "email": user.email,
        "display_name": user.display_name,
        "preferred_language": user.preferred_language,
        "roles": ",".join(user.roles),
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }
    for prefix in ("agency_memberships", "grid_memberships", "pickup_point_memberships"):
        form.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    form.update(extra)
    return form


def test_the_admin_refuses_a_staff_role_for_an_unverified_email(admin_client, make_user) -> None:
    # given an unverified account
    impostor = make_user(email_verified=False)
    # when an administrator ticks the auditor role for it
    response = admin_client.post(
        f"/admin/accounts/user/{impostor.pk}/change/", user_form(impostor, roles="citizen,auditor")
    )
    # then the form is shown again with the error, and the role is not given
    assert response.status_code == 200
    assert "工作人员角色只授予电子邮箱已验证的账户" in response.content.decode()
    impostor.refresh_from_db()
    assert impostor.roles == ["citizen"]


def test_the_admin_refuses_a_membership_for_an_unverified_email(admin_client, make_user) -> None:
    # given an unverified account and a grid
    impostor = make_user(email_verified=False)
    grid = GridFactory()
    # when an administrator adds a grid membership inline
    form = user_form(impostor, **{"grid_memberships-TOTAL_FORMS": "1", "grid_memberships-0-grid": str(grid.pk)})
    response = admin_client.post(f"/admin/accounts/user/{impostor.pk}/change/", form)
    # then it is refused
    assert response.status_code == 200
    assert "工作人员角色只授予电子邮箱已验证的账户" in response.content.decode()
    assert not GridMembership.objects.filter(user=impostor).exists()


def test_the_admin_gives_a_staff_role_to_a_verified_email(admin_client, make_user) -> None:
    user = make_user()
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", user_form(user, roles="citizen,auditor"))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.roles == ["citizen", "auditor"]
