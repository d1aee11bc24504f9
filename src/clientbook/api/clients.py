"""The Clients routes: each parses, calls one service function and answers.

Every route runs on the event loop over the one async store; api/edge.py applies the
contract's order of checks around each (see its docstring for where each check is).
"""

from __future__ import annotations

from datetime import timedelta

from clientbook import ids, service
from clientbook.api import docs
from clientbook.api.edge import Answer, Call, field_names
from clientbook.api.routing import RouteTable
from clientbook.domain import listing

table = RouteTable(prefix="/platform/v1", tags=("clients",))


@table.route("POST", "/clients", status=201, body="json", doc=docs.CREATE)
async def create_client(call: Call) -> Answer:
    """Creates a client, its source record and its default matter; returns a client token."""
    data = await service.create_client(
        call.app.store,
        access=call.access,
        body=call.json_or_error(),
        now=ids.utcnow(),
        key=call.app.key,
        client_token_ttl=timedelta(days=call.app.settings.client_token_ttl_days),
        admit=call.admit,
    )
    return Answer(201, data)


@table.route("GET", "/clients", doc=docs.LIST)
async def list_clients(call: Call) -> Answer:
    """Lists live clients in creation order, filtered and paged (contract 5.2)."""
    async with call.unit(write=False) as (tx, principal):
        query = listing.parse_list_query(call.query)
        data = await service.list_clients(tx, principal=principal, query=query)
    return Answer(200, data)


# Declared before PUT /clients/{client_id}, which would otherwise take "bulk" as an id.
@table.route("PUT", "/clients/bulk", body="json", doc=docs.BULK)
async def bulk_update_opt_in(call: Call) -> Answer:
    """Sets opt_in on up to 5000 clients at once: all or nothing."""
    async with call.unit(write=True) as (tx, principal):
        body = call.json()
        data = await service.bulk_update_opt_in(
            tx, principal=principal, body=body, now=ids.utcnow()
        )
    return Answer(200, data)


@table.route("GET", "/clients/merges/possible_merge_master", doc=docs.POSSIBLE_MERGE_MASTER)
async def possible_merge_master(call: Call) -> Answer:
    """Of the given clients, those that may be a merge master (at most one matter)."""
    async with call.unit(write=False) as (tx, principal):
        data = await service.possible_merge_masters(tx, principal=principal, params=call.query)
    return Answer(200, data, flat=True)


@table.route("PUT", "/clients/merges/merge_clients", body="ignored", doc=docs.MERGE)
async def merge_clients(call: Call) -> Answer:
    """Merges clients into a master: empty fields filled, tags united, matters moved, the
    merged clients deleted. Any body is ignored (but one past the limit is still a 413)."""
    async with call.unit(write=True) as (tx, principal):
        data = await service.merge_clients(
            tx, principal=principal, params=call.query, now=ids.utcnow()
        )
    return Answer(200, data, flat=True)


@table.route("GET", "/clients/{client_id}", doc=docs.GET_ONE)
async def get_client(call: Call) -> Answer:
    """Retrieves a client."""
    data = await service.get_client(
        call.app.store, access=call.access, client_id=call.params["client_id"], admit=call.admit
    )
    return Answer(200, data)


@table.route("PUT", "/clients/{client_id}", body="json", doc=docs.UPDATE)
async def update_client(call: Call) -> Answer:
    """Updates a client: only the fields sent are considered (partial update)."""
    result = await service.update_client(
        call.app.store,
        access=call.access,
        client_id=call.params["client_id"],
        body=call.json_or_error(),
        now=ids.utcnow(),
        admit=call.admit,
    )
    answer = Answer(200, result.body)
    if result.ignored:
        answer.headers.append((b"x-ignored-fields", field_names(result.ignored)))
    return answer


@table.route("DELETE", "/clients/{client_id}", doc=docs.DELETE)
async def delete_client(call: Call) -> Answer:
    """Deletes a client (soft delete): it disappears from every read; its email is freed."""
    async with call.unit(write=True) as (tx, principal):
        data = await service.delete_client(
            tx, principal=principal, client_id=call.params["client_id"], now=ids.utcnow()
        )
    return Answer(200, data)
