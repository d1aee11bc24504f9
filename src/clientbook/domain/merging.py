"""The merge rules of contract 5.7, as pure functions: parameters, eligibility and
what the master takes from its sources."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from clientbook.domain import values
from clientbook.domain.model import Client
from clientbook.errors import ValidationFailed

MAX_IDS = 100
# Fields the master fills from the first source that has a value, in this order.
FILLED = (
    "first_name", "last_name", "email", "mobile_phone", "address",
    "custom_field1", "custom_field2", "custom_field3", "staff_id", "opt_in",
)  # fmt: skip
# Columns derived from mobile_phone travel with it, from the same source.
PHONE_DERIVED = ("normalized_phone", "phone_digits")


@dataclass(frozen=True, slots=True)
class MergeRequest:
    master_id: str
    source_ids: list[str]

    @property
    def all_ids(self) -> list[str]:
        return [self.master_id, *self.source_ids]


def id_list(raw: str | None) -> list[str]:
    """`a, b,,a` -> ["a", "b"]: trimmed, empties and repeats dropped, order kept."""
    ids: list[str] = []
    for part in (raw or "").split(","):
        uid = part.strip()
        if uid and uid not in ids:
            ids.append(uid)
    return ids


def parse_candidates(params: Mapping[str, str]) -> list[str]:
    """`client_ids` of possible_merge_master: two distinct ids at least, MAX_IDS at most."""
    ids = id_list(params.get("client_ids"))
    if len(ids) < 2:
        raise ValidationFailed("client_ids", "must name at least two different clients")
    if len(ids) > MAX_IDS:
        raise ValidationFailed("client_ids", f"are too many (maximum is {MAX_IDS})")
    return ids


def parse_merge(params: Mapping[str, str]) -> MergeRequest:
    """`to_client_uid` and `from_client_uids` of merge_clients."""
    master_id = (params.get("to_client_uid") or "").strip()
    if not master_id:
        raise ValidationFailed("to_client_uid", "can't be blank")
    source_ids = id_list(params.get("from_client_uids"))
    if not source_ids:
        raise ValidationFailed("from_client_uids", "can't be blank")
    if master_id in source_ids:
        raise ValidationFailed("from_client_uids", "must not include to_client_uid")
    if len(source_ids) > MAX_IDS:
        raise ValidationFailed("from_client_uids", f"are too many (maximum is {MAX_IDS})")
    return MergeRequest(master_id=master_id, source_ids=source_ids)


def can_be_master(matter_count: int) -> bool:
    """A client with at most one matter can take part in a merge."""
    return matter_count <= 1


def check_matters(request: MergeRequest, matter_counts: Mapping[str, int]) -> None:
    """422 for the first named client with more than one matter."""
    for uid in request.all_ids:
        if not can_be_master(matter_counts.get(uid, 0)):
            field = "to_client_uid" if uid == request.master_id else "from_client_uids"
            raise ValidationFailed(field, "has more than one matter", label=f"Client {uid}")


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def merge_changes(master: Client, sources: Sequence[Client]) -> dict[str, Any]:
    """The master's changed columns: each empty field filled from the first source that
    has it, tags united (422 beyond 100); status, source label and the rest kept."""
    changes: dict[str, Any] = {}
    for column in FILLED:
        if not _empty(master.value(column)):
            continue
        donor = next((s for s in sources if not _empty(s.value(column))), None)
        if donor is None:
            continue
        changes[column] = donor.value(column)
        if column == "mobile_phone":
            for derived in PHONE_DERIVED:
                changes[derived] = donor.value(derived)
    try:
        tags = values.union_tags(list(master.tags), *(list(s.tags) for s in sources))
    except values.FieldError as error:
        raise ValidationFailed("tags", error.reason) from None
    if tags != list(master.tags):
        changes["tags"] = tags
    return changes
