"""Sign-up, logout and password reset through allauth's HTML pages (session cookie + CSRF)."""

import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import User


@pytest.mark.django_db
def test_signup_page_creates_a_citizen_and_logs_in() -> None:
    client = Client()
    response = client.post(
        "/accounts/signup/", {"email": "page.signup@example.com", "password1": "a-long-enough-passphrase-42"}
    )
    assert response.status_code == 302
    user = User.objects.get(email="page.signup@example.com")
    assert user.roles == ["citizen"]
    assert client.get("/me/").status_code == 200


@pytest.mark.django_db
def test_logout_ends_the_session(make_user) -> None:
    user = make_user()
    client = Client()
    client.force_login(user)
    assert client.get("/me/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/me/").status_code == 302  # back to the login page


@pytest.mark.django_db
def test_password_reset_by_email_link(make_user) -> None:
    # given a user who forgot their password
    user = make_user()
    client = Client()
    # when they ask for a reset, follow the emailed link and choose a new password
    assert client.post("/accounts/password/reset/", {"email": user.email}).status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    done = client.post(action, {"password1": "a-brand-new-passphrase-77", "password2": "a-brand-new-passphrase-77"})
    assert done.status_code == 302
    # then the new password logs in and the old one does not
    fresh = Client()
    assert (
        fresh.post("/accounts/login/", {"login": user.email, "password": "a-brand-new-passphrase-77"}).status_code
        == 302
    )
    assert (
        Client().post("/accounts/login/", {"login": user.email, "password": "correct-horse-battery-9"}).status_code
        == 200
    )
