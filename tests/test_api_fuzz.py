"""Schemathesis over the whole OpenAPI document: no server error, no response outside the schema.

Every operation in /api/v1/openapi.json is exercised with a bounded number of generated requests,
as a user who holds every role (so permission checks do not hide the deeper code paths). New
endpoints are fuzzed automatically as they are added to the API.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
MAX_EXAMPLES = 15


@pytest.fixture
def keep_test_connection(everyone_token):
    """Like Django's test Client: a WSGI call must not close the test's database connection."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def everyone_token(make_user) -> str:
    from django.test import Client

    from accounts import services
    from accounts.models import Role
    from accounts.tests.factories import AgencyFactory, GridFactory, PickupPointFactory
    from conftest import login_token

    user = make_user(roles=[Role.CITIZEN, Role.AUDITOR])
    services.agency_membership_add(user=user, agency=AgencyFactory())
    services.grid_membership_add(user=user, grid=GridFactory())
    services.pickup_point_membership_add(user=user, pickup_point=PickupPointFactory())
    return login_token(Client(), user.email)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_answers_within_its_schema(case, everyone_token, keep_test_connection) -> None:
    case.call_and_validate(
        headers={"X-Session-Token": everyone_token},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
