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


_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds until the business's rate limit lets a request through.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 60},
        "required": True,
    }
}


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {
        code: {
            "model": schemas.ErrorEnvelope,
            "description": _ERRORS[code],
            **({"headers": _RETRY_AFTER} if code == 429 else {}),
        }
        for code in (*codes, 401, 403, 429, 500)
    }


def _body(model: type[BaseModel], example: dict[str, Any] | None = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
    if example is not None:
        media["example"] = example
    return {"requestBody": {"required": True, "content": {"application/json": media}}}


# Models referenced only from requestBody; app.py adds them to the document's components.
BODY_MODELS: list[type[BaseModel]] = [
    schemas.ClientCreate,
    schemas.ClientUpdate,
    schemas.BulkUpdate,
]

CREATE: dict[str, Any] = {
    "responses": {
        201: {"model": schemas.CreatedEnvelope, "description": "Created"},
        **_errors(400, 409, 413, 415, 422),
    },
    "openapi_extra": _body(schemas.ClientCreate, {"first_name": "Ada", "email": "ada@example.com"}),
}
GET_ONE: dict[str, Any] = {
    "responses": {200: {"model": schemas.SingleEnvelope}, **_errors(404)},
}
UPDATE: dict[str, Any] = {
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


def _query(name: str, description: str, schema: dict[str, Any], *, required: bool = False) -> Any:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


_MOMENT = {"type": "string", "examples": ["2026-01-31", "2026-01-31T12:00:00Z"]}
_CONTACT_NOT_FOUND = {
    "model": schemas.ErrorEnvelope,
    "description": "This contact doesn't exist (an unknown, deleted or another business's id)",
}

LIST: dict[str, Any] = {
    "responses": {200: {"model": schemas.ListEnvelope}, **_errors(422)},
    "openapi_extra": {
        "parameters": [
            _query(
                "search_term",
                "Without search_by: a case-insensitive substring of the first name, last "
                'name, "first last", email or mobile phone.',
                {"type": "string", "maxLength": 255},
            ),
            _query(
                "search_by",
                "email: email equals the term (case-insensitive); uid: id equals; phone: the "
                "term's digits equal the phone's, or its E.164 form the normalized phone; "
                "updated_at: updated at or after the term (a date or date-time). Requires "
                "search_term.",
                {"type": "string", "enum": ["email", "uid", "phone", "updated_at"]},
            ),
            _query("updated_at[gte]", "Updated at or after (UTC when no offset).", _MOMENT),
            _query(
                "updated_at[lte]",
                "Updated at or before; a bare date includes that whole day.",
                _MOMENT,
            ),
            _query(
                "phone_exists",
                "true/1: only clients with a mobile phone; false/0: only those without.",
                {"type": "string", "enum": ["true", "false", "1", "0"]},
            ),
            _query("page", "From 1.", {"type": "integer", "minimum": 1, "default": 1}),
            _query(
                "per_page",
                "From 1 to 100.",
                {"type": "integer", "minimum": 1, "maximum": 100, "default": 25},
            ),
        ]
    },
}
DELETE: dict[str, Any] = {
    "responses": {200: {"model": schemas.SingleEnvelope}, **_errors(404)},
}
BULK: dict[str, Any] = {
    "responses": {200: {"model": schemas.BulkEnvelope}, **_errors(400, 413, 415, 422)},
    "openapi_extra": _body(
        schemas.BulkUpdate, {"clients": [{"id": "a1b2c3d4e5f6g7h8", "opt_in": True}]}
    ),
}
_CLIENT_IDS = _query(
    "client_ids",
    "Comma-separated client ids: at least two distinct, at most 100.",
    {"type": "string", "minLength": 1},
    required=True,
)
POSSIBLE_MERGE_MASTER: dict[str, Any] = {
    "responses": {
        200: {"model": schemas.MergeMasterEnvelope},
        404: _CONTACT_NOT_FOUND,
        **_errors(422),
    },
    "openapi_extra": {"parameters": [_CLIENT_IDS]},
}
MERGE: dict[str, Any] = {
    "responses": {
        200: {"model": schemas.MergedEnvelope},
        404: _CONTACT_NOT_FOUND,
        **_errors(422),
    },
    "openapi_extra": {
        "parameters": [
            _query(
                "to_client_uid",
                "The master client's id.",
                {"type": "string", "minLength": 1},
                required=True,
            ),
            _query(
                "from_client_uids",
                "Comma-separated ids of the clients merged into the master (at most 100).",
                {"type": "string", "minLength": 1},
                required=True,
            ),
        ]
    },
}
