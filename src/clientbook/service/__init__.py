"""Use cases: one function each, orchestrating domain rules and store queries.

Nothing here commits: the edge (a request or a CLI command) owns the transaction.
POST, GET one and PUT are in service/hot.py (async, over store/direct.py).
"""

from clientbook.service.bulk import bulk_update_opt_in
from clientbook.service.clients import (
    delete_client,
    insert_new_client,
)
from clientbook.service.imports import DuplicateRow, ImportedClient, insert_imported, prepare_import
from clientbook.service.listing import list_clients
from clientbook.service.merges import merge_clients, possible_merge_masters

__all__ = [
    "DuplicateRow",
    "ImportedClient",
    "bulk_update_opt_in",
    "delete_client",
    "insert_imported",
    "insert_new_client",
    "list_clients",
    "merge_clients",
    "possible_merge_masters",
    "prepare_import",
]
