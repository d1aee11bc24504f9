"""The Clients routes: each parses, calls one service function and renders."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from clientbook import ids, service
from clientbook.api import docs, edge
from clientbook.api.edge import RawBody
from clientbook.api.rendering import ok, ok_flat
from clientbook.domain import listing

router = APIRouter(prefix="/platform/v1", tags=["clients"])
SERVED_AHEAD = "served by api/hot.py"


# POST, and GET and PUT of one client, are served by api/hot.py ahead of this router:
# their declarations here document them (OpenAPI) and name their route in logs and metrics.
@router.post("/clients", status_code=201, **docs.CREATE)
def create_client(request: Request) -> Response:
    """Creates a client, its source record and its default matter; returns a client token."""
    raise NotImplementedError(SERVED_AHEAD)


@router.get("/clients", **docs.LIST)
async def list_clients(request: Request) -> Response:
    """Lists live clients in creation order, filtered and paged (contract 5.2)."""
    return await edge.state(request).reads.run(_list_clients, request)


def _list_clients(request: Request) -> Response:
    with edge.unit(request, write=False) as (conn, principal):
        query = listing.parse_list_query(request.query_params)
        data = service.list_clients(conn, principal=principal, query=query)
    return ok(data)


# Registered before PUT /clients/{client_id}, which would otherwise take "bulk" as an id.
@router.put("/clients/bulk", **docs.BULK)
def bulk_update_opt_in(request: Request, raw: RawBody) -> Response:
    """Sets opt_in on up to 5000 clients at once: all or nothing."""
    with edge.unit(request, write=True) as (conn, principal):
        body = edge.json_object(request, raw)
        data = service.bulk_update_opt_in(conn, principal=principal, body=body, now=ids.utcnow())
    return ok(data)


@router.get("/clients/merges/possible_merge_master", **docs.POSSIBLE_MERGE_MASTER)
async def possible_merge_master(request: Request) -> Response:
    """Of the given clients, those that may be a merge master (at most one matter)."""
    return await edge.state(request).reads.run(_possible_merge_master, request)


def _possible_merge_master(request: Request) -> Response:
    with edge.unit(request, write=False) as (conn, principal):
        data = service.possible_merge_masters(
            conn, principal=principal, params=request.query_params
        )
    return ok_flat(data)


@router.put("/clients/merges/merge_clients", **docs.MERGE)
def merge_clients(request: Request, _ignored: RawBody) -> Response:
    """Merges clients into a master: empty fields filled, tags united, matters moved, the
    merged clients deleted. Any body is ignored (but one past the limit is still a 413)."""
    with edge.unit(request, write=True) as (conn, principal):
        data = service.merge_clients(
            conn, principal=principal, params=request.query_params, now=ids.utcnow()
        )
    return ok_flat(data)


@router.get("/clients/{client_id}", **docs.GET_ONE)
def get_client(request: Request, client_id: str) -> Response:
    """Retrieves a client."""
    raise NotImplementedError(SERVED_AHEAD)


@router.put("/clients/{client_id}", **docs.UPDATE)
def update_client(request: Request, client_id: str) -> Response:
    """Updates a client: only the fields sent are considered (partial update)."""
    raise NotImplementedError(SERVED_AHEAD)


@router.delete("/clients/{client_id}", **docs.DELETE)
def delete_client(request: Request, client_id: str) -> Response:
    """Deletes a client (soft delete): it disappears from every read; its email is freed."""
    with edge.unit(request, write=True) as (conn, principal):
        data = service.delete_client(
            conn, principal=principal, client_id=client_id, now=ids.utcnow()
        )
    return ok(data)
