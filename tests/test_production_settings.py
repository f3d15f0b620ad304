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
    assert result.returncode != 0
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
    assert result.returncode != 0
    assert "production" in result.stderr
