"""OpenAPI metadata for the routes: bodies, responses and errors, truthfully."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from clientbook.api import schemas

_ERRORS = {
    400: "Malformed JSON",
    401: "Unauthorized (missing, bad, expired or revoked token; bad X-On-Behalf-Of)",
    403: "Forbidden (a client token)",
    404: "Entity not found (unknown, deleted or another business's client)",
    405: "Method not allowed",
    409: "Email already used by another live client of the business",
    413: "Request entity too large",
    415: "Unsupported media type (a body that is not application/json)",
    422: "Validation failed",
    429: "Too many requests",
    500: "Internal server error",
}
EXAMPLE_UPDATE = {
    "first_name": "Ada",
    "tags": "vip, newsletter",
    "address": None,
    "force_nullifying": True,
}


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {
        code: {"model": schemas.ErrorEnvelope, "description": _ERRORS[code]}
        for code in (*codes, 401, 403, 429, 500)
    }


def _body(model: type[BaseModel], example: dict[str, Any] | None = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
    if example is not None:
        media["example"] = example
    return {"requestBody": {"required": True, "content": {"application/json": media}}}


# Models referenced only from requestBody; app.py adds them to the document's components.
BODY_MODELS: list[type[BaseModel]] = [schemas.ClientCreate, schemas.ClientUpdate]

CREATE: dict[str, Any] = {
    "response_model": None,
    "responses": {
        201: {"model": schemas.CreatedEnvelope, "description": "Created"},
        **_errors(400, 409, 413, 415, 422),
    },
    "openapi_extra": _body(schemas.ClientCreate, {"first_name": "Ada", "email": "ada@example.com"}),
}
GET_ONE: dict[str, Any] = {
    "response_model": None,
    "responses": {200: {"model": schemas.SingleEnvelope}, **_errors(404)},
}
UPDATE: dict[str, Any] = {
    "response_model": None,
    "responses": {
        200: {
            "model": schemas.UpdatedEnvelope,
            "headers": {
                "X-Ignored-Fields": {
                    "description": "Fields of the body that were ignored (comma-separated, "
                    "sorted): created_at, updated_at, create-only and unknown fields.",
                    "schema": {"type": "string"},
                }
            },
        },
        **_errors(400, 404, 409, 413, 415, 422),
    },
    "openapi_extra": _body(schemas.ClientUpdate, EXAMPLE_UPDATE),
}
