"""Use cases: one function each, orchestrating domain rules and store queries.

Nothing here commits: the caller (a route of api/, or a CLI command) opens the unit of
work, or hands over the store for the use cases that open their own (POST, GET one and
PUT: one statement each where they can).
"""

from clientbook.service.bulk import bulk_update_opt_in
from clientbook.service.clients import create_client, delete_client, get_client, update_client
from clientbook.service.imports import DuplicateRow, ImportedClient, insert_imported, prepare_import
from clientbook.service.listing import list_clients
from clientbook.service.merges import merge_clients, possible_merge_masters

__all__ = [
    "DuplicateRow",
    "ImportedClient",
    "bulk_update_opt_in",
    "create_client",
    "delete_client",
    "get_client",
    "insert_imported",
    "list_clients",
    "merge_clients",
    "possible_merge_masters",
    "prepare_import",
    "update_client",
]
