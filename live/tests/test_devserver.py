"""`make run` (manage.py devserver) serves pages, static files, the API and the live stream on one
port: uvicorn with config.asgi, in one process with the outbox relay."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import subprocess_database_url
from tests.faults.machinery import free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.django_db(transaction=True)


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own server
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def test_make_run_serves_pages_static_files_api_and_stream_on_one_port(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": subprocess_database_url(),
        "FUBI_LIVE_REDIS_URL": "",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
    }
    log = (tmp_path / "devserver.log").open("w")
    command = [sys.executable, "manage.py", "devserver", "--port", str(port), "--no-seed"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: _answers(base), 90), (tmp_path / "devserver.log").read_text()[-3000:]
        status, kind, _body = fetch(f"{base}/")
        assert (status, kind) == (200, "text/html; charset=utf-8")
        status, kind, _body = fetch(f"{base}/static/css/live.css")
        assert (status, kind) == (200, "text/css")
        status, kind, body = fetch(f"{base}/api/v1/tips/categories")
        assert (status, kind) == (200, "application/json; charset=utf-8")
        status, kind, body = fetch(f"{base}/api/v1/live")  # the stream, here without a session
        assert (status, kind, json.loads(body)["code"]) == (401, "application/json", "not_authenticated")
        assert "uvicorn" in (tmp_path / "devserver.log").read_text().lower()
    finally:
        server.terminate()
        server.wait(30)
        log.close()


def _answers(base: str) -> bool:
    try:
        return fetch(f"{base}/api/v1/tips/categories")[0] == 200
    except OSError:
        return False
