"""A local push service and SMS gateway, VAPID keys of the test's own, and settings that let the
server post to 127.0.0.1 over http (production allows only the https push services)."""

from collections.abc import Iterator

import pytest

from accounts.tests.test_sms_gateway import FakeGateway, gateway  # noqa: F401 - a fixture
from notify.tests.pushservice import PushService
from notify.vapid import vapid_keys_generate


@pytest.fixture
def vapid(settings) -> tuple[str, str]:
    public, private = vapid_keys_generate()
    settings.FUBI_VAPID_PUBLIC_KEY, settings.FUBI_VAPID_PRIVATE_KEY = public, private
    settings.FUBI_VAPID_SUBJECT = "mailto:ops@fubi.example"
    return public, private


@pytest.fixture
def push_service(settings, vapid) -> Iterator[PushService]:
    with PushService() as service:
        settings.FUBI_PUSH_ENDPOINT_HOSTS = ["127.0.0.1"]
        settings.FUBI_PUSH_ALLOW_HTTP = True
        yield service


@pytest.fixture
def sms_gateway(gateway, settings) -> FakeGateway:  # noqa: F811 - the imported fixture
    """The accounts tests' fake SMS gateway (the HTTP gateway's protocol), with absolute links."""
    settings.FUBI_SITE_URL = "https://fubi.example.cn"
    return gateway
