"""The error family of the contract (section 3), rendered once by api.errors.

AppError
 +-- MalformedJSON            400
 +-- Unauthorized             401
 +-- Forbidden                403
 +-- NotFound                 404  (path)
 +-- EntityNotFound           404  (client)
 +-- ContactNotFound          404  (merge endpoints)
 +-- MethodNotAllowed         405
 +-- Conflict                 409
 +-- PayloadTooLarge          413
 +-- UnsupportedMediaType     415
 +-- ValidationFailed         422
 +-- TooManyRequests          429
 +-- InternalError            500
"""

from __future__ import annotations


class AppError(Exception):
    """An error with its HTTP status, machine code and contract message."""

    status_code = 500
    error_code = "internal_error"
    message = "Internal server error"

    def __init__(self, message: str | None = None, *, headers: dict[str, str] | None = None):
        if message is not None:
            self.message = message
        self.headers = headers or {}
        super().__init__(self.message)


class MalformedJSON(AppError):
    status_code = 400
    error_code = "malformed_json"
    message = "Malformed JSON"


class MalformedBody(AppError):
    """A body the server could not read: its chunked framing is broken (docs/decisions.md)."""

    status_code = 400
    error_code = "malformed_body"
    message = "Malformed request body"


class Unauthorized(AppError):
    status_code = 401
    error_code = "unauthorized"
    message = "Unauthorized"


class Forbidden(AppError):
    status_code = 403
    error_code = "forbidden"
    message = "Forbidden"


class NotFound(AppError):
    status_code = 404
    error_code = "not_found"
    message = "Not found"


class EntityNotFound(AppError):
    status_code = 404
    error_code = "entity_not_found"
    message = "Entity not found"


class ContactNotFound(AppError):
    status_code = 404
    error_code = "entity_not_found"
    message = "This contact doesn't exist"


class MethodNotAllowed(AppError):
    status_code = 405
    error_code = "method_not_allowed"
    message = "Method not allowed"


class Conflict(AppError):
    status_code = 409
    error_code = "conflict"


class PayloadTooLarge(AppError):
    status_code = 413
    error_code = "request_entity_too_large"
    message = "Request entity too large"


class UnsupportedMediaType(AppError):
    status_code = 415
    error_code = "unsupported_media_type"
    message = "Unsupported media type"


class ValidationFailed(AppError):
    """422: `error` is `Validation failed: <Field> <reason>` of the first failure."""

    status_code = 422
    error_code = "validation_failed"

    def __init__(self, field: str, reason: str, *, label: str | None = None):
        self.field = field
        self.reason = reason
        self.errors: dict[str, list[str]] = {field: [reason]}
        super().__init__(f"Validation failed: {label or humanize(field)} {reason}")


class InvalidRequest(AppError):
    """422 whose message is fixed by the contract (no `Validation failed:` prefix)."""

    status_code = 422
    error_code = "invalid_request"

    def __init__(self, message: str, *, field: str | None = None):
        self.errors: dict[str, list[str]] | None = {field: [message]} if field else None
        super().__init__(message)


class TooManyRequests(AppError):
    status_code = 429
    error_code = "too_many_requests"
    message = "Too many requests"


class InternalError(AppError):
    pass


def humanize(field: str) -> str:
    """`first_name` -> `First name`, as the messages of the reference API read."""
    text = field.replace("_", " ")
    return text[:1].upper() + text[1:]
