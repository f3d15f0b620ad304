"""The HTTP SMS gateway adapter against a fake gateway: a real HTTP server on 127.0.0.1 in the test,
speaking JSON. What it received is asserted; its failures become SmsError, never a lost exception."""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from accounts import sms
from accounts.sms import HttpGatewayBackend, SmsError, SmsMessage
from accounts.tasks import sms_send_task
from accounts.tests.phone import CODE


class FakeGateway:
    """Records each request; answers with `status` and `body` after `delay` seconds."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        self.body: object = {"ok": True, "id": "msg-1"}
        self.delay = 0.0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                gateway.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": {name.lower(): value for name, value in self.headers.items()},
                        "json": json.loads(self.rfile.read(length) or b"null"),
                    }
                )
                time.sleep(gateway.delay)
                payload = gateway.body if isinstance(gateway.body, bytes) else json.dumps(gateway.body).encode()
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeGateway":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings) -> Iterator[FakeGateway]:
    with FakeGateway() as fake:
        settings.FUBI_SMS_BACKEND = "accounts.sms.HttpGatewayBackend"
        settings.FUBI_SMS_GATEWAY_URL = fake.url
        settings.FUBI_SMS_API_KEY = "test-key-123"
        settings.FUBI_SMS_SENDER = "Fubi"
        settings.FUBI_SMS_TIMEOUT_SECONDS = 2
        yield fake


def test_the_gateway_receives_one_json_post_with_the_api_key(gateway) -> None:
    # when a message is sent through the configured backend
    sms.sms_send(to="+8613800138000", text="code 123456")
    # then the gateway got exactly this request
    (request,) = gateway.requests
    assert (request["method"], request["path"]) == ("POST", "/v1/sms")
    assert request["headers"]["authorization"] == "Bearer test-key-123"
    assert request["headers"]["content-type"] == "application/json"
    assert request["json"] == {"to": "+8613800138000", "text": "code 123456", "sender": "Fubi"}


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (500, {"error": "down"}, "gateway answered 500"),
        (401, {"error": "bad key"}, "gateway answered 401"),
        (200, {"ok": False, "error": "number blacklisted"}, "number blacklisted"),
        (200, b"<html>proxy error</html>", "not JSON"),
    ],
    ids=["server-error", "bad-key", "refused", "not-json"],
)
def test_a_gateway_failure_raises_sms_error(gateway, status, body, reason) -> None:
    gateway.status, gateway.body = status, body
    with pytest.raises(SmsError, match=reason):
        sms.sms_send(to="+8613800138000", text="code 123456")
    assert len(gateway.requests) == 1


def test_a_gateway_that_does_not_answer_in_time_raises_sms_error(gateway) -> None:
    # given a gateway slower than the backend's timeout
    gateway.delay = 1.5
    backend = HttpGatewayBackend(timeout=0.3)
    started = time.monotonic()
    # then the send gives up at the timeout
    with pytest.raises(SmsError, match="unreachable"):
        backend.send(SmsMessage(to="+8613800138000", text="x"))
    assert time.monotonic() - started < 1.2


def test_an_unreachable_gateway_raises_sms_error(settings) -> None:
    # given a port nobody listens on
    with FakeGateway() as fake:
        url = fake.url
    backend = HttpGatewayBackend(url=url, api_key="k", timeout=1)
    with pytest.raises(SmsError, match="unreachable"):
        backend.send(SmsMessage(to="+8613800138000", text="x"))


def test_without_a_gateway_url_nothing_is_sent(settings) -> None:
    settings.FUBI_SMS_GATEWAY_URL = ""
    with pytest.raises(SmsError, match="FUBI_SMS_GATEWAY_URL"):
        HttpGatewayBackend().send(SmsMessage(to="+8613800138000", text="x"))


def test_the_send_task_logs_a_failure_instead_of_raising(gateway, caplog) -> None:
    gateway.status = 503
    assert sms_send_task.delay("+8613800138000", "code 123456").get() is False
    assert "not sent" in caplog.text
    assert "+8613800138000" not in caplog.text  # the log keeps the number partly hidden


@pytest.mark.django_db
def test_a_code_asked_for_through_the_api_goes_through_the_gateway(
    gateway, make_user, api_as, django_capture_on_commit_callbacks
) -> None:
    # given a citizen, with the HTTP gateway configured
    user = make_user()
    api = api_as(user)
    # when they ask for a code
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post("/me/phone", {"phone": "13800138000"}).status_code == 202
    # then the gateway received the text with the code, and that code verifies the number
    (request,) = gateway.requests
    assert request["json"]["to"] == "+8613800138000"
    code = CODE.search(request["json"]["text"]).group(1)
    assert api.post("/me/phone/verify", {"code": code}).json()["phone_verified"] is True
