"""GET /metrics: Prometheus request count and latency per method, route template, status."""

from __future__ import annotations

from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tests.api.support import BASE, create, get
from tests.factories import Tenant

ROUTE = BASE + "/{client_id}"


def _samples(http: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def _labels(**labels: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(labels.items()))


def test_requests_are_counted_and_timed_per_route_template_and_status(
    http: Any, tenant: Tenant
) -> None:
    client_id = create(http, tenant)["id"]
    ok = _labels(method="GET", route=ROUTE, status="200")
    missing = _labels(method="GET", route=ROUTE, status="404")
    before = _samples(http)

    get(http, tenant, client_id)
    get(http, tenant, client_id)
    assert http.get(f"{BASE}/nobody", headers=tenant.headers()).status_code == 404

    after = _samples(http)

    def delta(name: str, labels: tuple[tuple[str, str], ...]) -> float:
        return after[(name, labels)] - before.get((name, labels), 0.0)

    assert delta("clientbook_http_requests_total", ok) == 2
    assert delta("clientbook_http_requests_total", missing) == 1
    assert delta("clientbook_http_request_duration_seconds_count", ok) == 2
    assert after[("clientbook_http_request_duration_seconds_sum", ok)] > 0
    inf = (*ok, ("le", "+Inf"))
    assert after[("clientbook_http_request_duration_seconds_bucket", tuple(sorted(inf)))] >= 2
    # Client ids never become labels: one series per route template.
    assert not any(client_id in str(key) for key in after)
