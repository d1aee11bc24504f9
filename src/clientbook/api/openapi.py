"""The OpenAPI 3.1 document, built from the route table's declarations (api/routing.py):
what serves a route is what documents it.

Each route's `doc` (api/docs.py) gives its responses (`model`, `description`, `headers`,
`content`) and `openapi_extra` (its request body and query parameters); the summary is
the handler's name and the description its docstring. Models become components through
pydantic's JSON Schema.
"""

from __future__ import annotations

import inspect
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from clientbook import __version__
from clientbook.api import docs
from clientbook.api.routing import Route, RouteTable

_REF = "#/components/schemas/{model}"
_ON_BEHALF_OF = {
    "name": "X-On-Behalf-Of",
    "in": "header",
    "required": False,
    "description": "The business to act on: required with a directory token; with a staff "
    "or app token it must equal the token's business.",
    "schema": {"type": "string"},
}


def document(table: RouteTable) -> dict[str, Any]:
    """The document of every documented route of the table."""
    routes = [route for route in table.routes if route.documented]
    models: list[type[BaseModel]] = list(docs.BODY_MODELS)
    for route in routes:
        for response in route.doc.get("responses", {}).values():
            model = response.get("model")
            if model is not None and model not in models:
                models.append(model)
    modes = [
        (model, "validation" if model in docs.BODY_MODELS else "serialization") for model in models
    ]
    _keys, schemas = models_json_schema(modes, ref_template=_REF)  # type: ignore[arg-type]
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "clientbook",
            "version": __version__,
            "description": "The vcita / inTandem platform Clients API, self-hosted.",
        },
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.get("$defs", {}).items())),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


def _operation(route: Route) -> dict[str, Any]:
    name = route.name
    operation: dict[str, Any] = {
        "tags": list(route.tags),
        "summary": name.replace("_", " ").title(),
        "description": inspect.getdoc(route.handler) or "",
        "operationId": f"{name}_{route.path}_{route.method}".replace("/", "_")
        .replace("{", "_")
        .replace("}", "_")
        .lower(),
    }
    parameters: list[dict[str, Any]] = [
        {
            "name": param,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "title": param.replace("_", " ").title()},
        }
        for param in route.convertors
    ]
    extra = dict(route.doc.get("openapi_extra", {}))
    parameters.extend(extra.pop("parameters", []))
    secured = route.path.startswith("/platform/v1/")
    if secured:
        parameters.append(_ON_BEHALF_OF)
        operation["security"] = [{"bearer": []}]
    if parameters:
        operation["parameters"] = parameters
    operation.update(extra)
    operation["responses"] = _responses(route)
    return operation


def _responses(route: Route) -> dict[str, Any]:
    declared: dict[int | str, dict[str, Any]] = route.doc.get("responses", {})
    responses: dict[str, Any] = {}
    if route.status not in declared:
        responses[str(route.status)] = {
            "description": "Successful Response",
            "content": {"application/json": {"schema": {}}},
        }
    for status, spec in declared.items():
        response: dict[str, Any] = {"description": spec.get("description", "Successful Response")}
        model = spec.get("model")
        if "content" in spec:
            response["content"] = spec["content"]
        elif model is not None:
            response["content"] = {
                "application/json": {"schema": {"$ref": _REF.format(model=model.__name__)}}
            }
        if "headers" in spec:
            response["headers"] = spec["headers"]
        responses[str(status)] = response
    return dict(sorted(responses.items()))
