"""core.middleware: pages keep their Content-Security-Policy and messages; JSON answers skip both."""

import pytest
from django.test import Client


@pytest.mark.django_db
def test_pages_carry_the_policy_and_json_does_not() -> None:
    client = Client()
    # a page and the API's documentation page are documents: they get the policy
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert "default-src 'self'" in page["Content-Security-Policy"]
    assert "Content-Security-Policy" in client.get("/api/v1/docs")
    # a JSON answer loads nothing: no policy to build, and no messages storage on the request
    answer = client.get("/api/v1/tasks?lat=26.08&lon=119.30")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/json")
    assert "Content-Security-Policy" not in answer
    assert not hasattr(answer.wsgi_request, "_messages")
    assert hasattr(page.wsgi_request, "_messages")
