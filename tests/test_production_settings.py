"""Production settings: refuse a missing secret, pass `check --deploy` without warnings, no demo."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import subprocess_database_url

ROOT = Path(__file__).resolve().parent.parent
SECRET = "x7Hq2-very-long-production-secret-key-for-tests-only-9Zp4r1Lk0wQe3sT8uY"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base_env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    base_env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=subprocess_database_url(),
        PYTHONWARNINGS="ignore",
    )
    base_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=base_env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.django_db
def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = manage("check", DJANGO_ALLOWED_HOSTS="fubi.example.org")
    assert result.returncode == 1
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_check_deploy_passes_without_warnings() -> None:
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_ALLOWED_HOSTS="fubi.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_demo_accounts_are_never_created_in_production() -> None:
    result = manage("seed_demo", DJANGO_SECRET_KEY=SECRET, DJANGO_ALLOWED_HOSTS="fubi.example.org")
    assert result.returncode == 1
    assert (
        result.stderr == "CommandError: Demo accounts are never created in a production configuration (DEBUG is off).\n"
    )


def entry_point(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run Python code in a fresh process as a server would start it: no DJANGO_* variables at all."""
    base_env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    base_env.update(DATABASE_URL=subprocess_database_url(), PYTHONWARNINGS="ignore", **env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=base_env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.django_db
@pytest.mark.parametrize("entry", ["import config.wsgi", "import config.celery, django; django.setup()"])
def test_a_server_started_without_settings_or_secret_refuses_to_start(entry: str) -> None:
    # given no DJANGO_SETTINGS_MODULE and no DJANGO_SECRET_KEY (a gunicorn or celery started bare)
    # when the WSGI application or the Celery app loads Django
    result = entry_point(entry, DJANGO_ALLOWED_HOSTS="fubi.example.org")
    # then it stops with the reason, instead of serving with DEBUG and the published development key
    assert result.returncode == 1
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY must be set to a long random value" in result.stderr
    assert "DJANGO_SETTINGS_MODULE=config.settings.base" in result.stderr


@pytest.mark.django_db
def test_a_server_started_without_settings_runs_the_production_settings() -> None:
    # given a secret key and hosts but no DJANGO_SETTINGS_MODULE
    code = "import config.wsgi; from django.conf import settings; print(settings.SETTINGS_MODULE, settings.DEBUG)"
    result = entry_point(code, DJANGO_SECRET_KEY=SECRET, DJANGO_ALLOWED_HOSTS="fubi.example.org")
    # then config.wsgi serves production, DEBUG off
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "config.settings.production False"


@pytest.mark.django_db
def test_manage_py_without_settings_is_production_and_refuses_the_demo() -> None:
    # given an operator's shell on a server without DJANGO_SETTINGS_MODULE (the secret key is set)
    env = {"DJANGO_SECRET_KEY": SECRET, "DJANGO_ALLOWED_HOSTS": "fubi.example.org"}
    # when they load the demo data (known passwords) by mistake
    result = entry_point("import sys, manage; sys.argv = ['manage.py', 'seed_demo']; manage.main()", **env)
    # then the production settings refuse it
    assert result.returncode == 1
    assert (
        result.stderr == "CommandError: Demo accounts are never created in a production configuration (DEBUG is off).\n"
    )
    # and without a secret key manage.py refuses to start at all
    bare = entry_point("import sys, manage; sys.argv = ['manage.py', 'check']; manage.main()")
    assert bare.returncode == 1
    assert "DJANGO_SECRET_KEY must be set to a long random value" in bare.stderr
