"""The route table: which declaration serves a request, and what a miss answers."""

from __future__ import annotations

from clientbook.api.edge import Answer, Call
from clientbook.api.routing import RouteTable
from clientbook.app import routes


async def _handler(_call: Call) -> Answer:
    return Answer()


def test_a_path_without_parameters_wins_over_a_template_that_also_matches() -> None:
    table = routes()
    route, params, _ = table.resolve("PUT", "/platform/v1/clients/bulk")
    assert route is not None
    assert route.path == "/platform/v1/clients/bulk"
    route, params, _ = table.resolve("PUT", "/platform/v1/clients/abc")
    assert route is not None
    assert route.path == "/platform/v1/clients/{client_id}"
    assert params == {"client_id": "abc"}


def test_get_bulk_is_a_client_id_as_before() -> None:
    route, params, _ = routes().resolve("GET", "/platform/v1/clients/bulk")
    assert route is not None
    assert route.path == "/platform/v1/clients/{client_id}"
    assert params == {"client_id": "bulk"}


def test_head_is_served_by_the_get_route() -> None:
    route, _, _ = routes().resolve("HEAD", "/platform/v1/clients/abc")
    assert route is not None
    assert route.method == "GET"


def test_a_known_path_with_another_method_names_the_methods_served() -> None:
    route, _, allowed = routes().resolve("PATCH", "/platform/v1/clients/abc")
    assert route is None
    assert sorted(allowed) == ["DELETE", "GET", "PUT"]


def test_an_unknown_path_has_no_route_and_no_methods() -> None:
    assert routes().resolve("GET", "/platform/v1/clientz") == (None, {}, [])
    assert routes().resolve("GET", "/platform/v1/clients/") == (None, {}, [])


def test_every_route_is_declared_once() -> None:
    declared = [(r.method, r.path) for r in routes().routes]
    assert len(declared) == len(set(declared))


def test_among_templates_the_first_declared_wins() -> None:
    table = RouteTable()
    table.route("GET", "/a/{x}")(_handler)
    table.route("GET", "/a/{y}")(_handler)
    route, params, _ = table.resolve("GET", "/a/1")
    assert route is not None
    assert params == {"x": "1"}
