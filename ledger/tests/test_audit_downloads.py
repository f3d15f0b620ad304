"""The auditor's page: the JSON reports download as files, the CSV opens in Excel (a UTF-8 BOM), and
figures carry thousands separators (issue 20 item 9)."""

import json

import pytest
from django.test import Client

from accounts.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(make_user):
    return make_user(roles=[Role.AUDITOR])


def logged_in(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def test_the_csv_export_starts_with_a_utf8_byte_order_mark(api_as, auditor, funded_agency) -> None:
    response = api_as(auditor).get("/ledger/export", {"format": "csv"})
    body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert body.startswith(b"\xef\xbb\xbfposting_id,transaction_id,")


def test_the_trial_balance_downloads_as_a_json_file_equal_to_the_api(api_as, auditor, funded_agency) -> None:
    response = logged_in(auditor).get("/audit/trial-balance.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="fubi-trial-balance-')
    assert json.loads(response.content) == api_as(auditor).get("/ledger/trial-balance").json()


def test_the_reconciliation_downloads_as_a_json_file(auditor, funded_agency) -> None:
    response = logged_in(auditor).get("/audit/reconciliation.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="fubi-reconciliation-')
    assert json.loads(response.content)["ok"] is True


@pytest.mark.parametrize("path", ["/audit/trial-balance.json", "/audit/reconciliation.json"])
def test_only_auditors_download_the_reports(make_user, path) -> None:
    assert logged_in(make_user(roles=[Role.CITIZEN])).get(path).status_code == 403


def test_the_audit_page_links_the_downloads_and_groups_thousands(auditor, funded_agency) -> None:
    html = logged_in(auditor).get("/audit/").content.decode()
    assert 'href="/audit/trial-balance.json" download' in html
    assert 'href="/audit/reconciliation.json" download' in html
    assert "/api/v1/ledger/trial-balance" not in html
    assert '<strong class="value" data-testid="audit-issued">10,000 FZB</strong>' in html
