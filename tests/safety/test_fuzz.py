"""Spec fuzzing with schemathesis against the served OpenAPI document, with each token kind:
no 5xx, and every answer as the document says (status, content type, headers, schema).

`positive_data_acceptance` is left out: a schema-valid body may still break a business rule
(an unknown staff_id or bulk id, two equal merge ids) and get the documented 422.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from schemathesis.core.result import Ok

from clientbook.config import Settings
from tests import factories
from tests.safety.conftest import report, scaled

EXAMPLES = scaled(15)  # per operation (each sent with every token kind)
KINDS = ["staff", "app", "directory"]


@pytest.fixture(scope="module")
def fuzz_tenant(engine: sa.Engine, unlimited_settings: Settings) -> factories.Tenant:
    return factories.tenant(engine, unlimited_settings)


def test_the_api_keeps_its_document(
    unlimited_served: Any, fuzz_tenant: factories.Tenant, backend: str
) -> None:
    base = str(unlimited_served.base_url).rstrip("/")
    schema = schemathesis.openapi.from_url(f"{base}/platform/v1/openapi.json")
    failures: list[str] = []
    calls = 0
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            failures.append(f"an operation the document does not describe well: {result.err()}")
            continue
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=not os.environ.get("CLIENTBOOK_SAFETY_SEED"),
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def fuzz(case: Any) -> None:
            nonlocal calls
            for kind in KINDS:
                calls += 1
                case.call_and_validate(
                    headers=fuzz_tenant.headers(kind),
                    excluded_checks=[checks.positive_data_acceptance],
                )

        try:
            fuzz()
        except Exception as error:  # every operation is fuzzed before the test fails
            failures.append(f"{operation.label}: {error}")
    report("fuzzing", backend, attempts=calls, failures=len(failures))
    assert failures == [], "\n\n".join(failures)
