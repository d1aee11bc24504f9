"""The Clients routes: each parses, calls one service function and renders."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from starlette.responses import Response

from clientbook import ids, service
from clientbook.api import docs, edge
from clientbook.api.edge import RawBody
from clientbook.api.rendering import ok

router = APIRouter(prefix="/platform/v1", tags=["clients"])


@router.post("/clients", status_code=201, **docs.CREATE)
def create_client(request: Request, raw: RawBody) -> Response:
    """Creates a client, its source record and its default matter; returns a client token."""
    settings = edge.state(request).settings
    with edge.unit(request, write=True) as (conn, principal):
        body = edge.json_object(request, raw)
        data = service.create_client(
            conn,
            principal=principal,
            body=body,
            now=ids.utcnow(),
            key=edge.state(request).key,
            client_token_ttl=timedelta(days=settings.client_token_ttl_days),
        )
    return ok(data, status_code=201)


@router.get("/clients/{client_id}", **docs.GET_ONE)
def get_client(request: Request, client_id: str) -> Response:
    """Retrieves a client."""
    with edge.unit(request, write=False) as (conn, principal):
        data = service.get_client(conn, principal=principal, client_id=client_id)
    return ok(data)


@router.put("/clients/{client_id}", **docs.UPDATE)
def update_client(request: Request, client_id: str, raw: RawBody) -> Response:
    """Updates a client: only the fields sent are considered (partial update)."""
    with edge.unit(request, write=True) as (conn, principal):
        body = edge.json_object(request, raw)
        result = service.update_client(
            conn, principal=principal, client_id=client_id, body=body, now=ids.utcnow()
        )
    headers = {"X-Ignored-Fields": ",".join(result.ignored)} if result.ignored else None
    return ok(result.body, headers=headers)
