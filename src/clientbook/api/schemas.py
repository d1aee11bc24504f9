"""Pydantic models that describe the contract's bodies in the OpenAPI document.

The routes read bodies themselves (to keep the contract's order of checks), so these
models document; the rules live in clientbook.domain.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Flag = bool | Literal["1", "0", "true", "false", 1, 0] | None
FLAG_TEXT = 'One of true, false, "1", "0", 1, 0, "true", "false". null or "" is ignored.'


class ClientUpdate(BaseModel):
    """PUT body: only the fields sent are considered. null or "" asks to clear a field."""

    model_config = ConfigDict(extra="allow")

    first_name: str | None = Field(None, max_length=255, description="Clear requests are ignored.")
    last_name: str | None = Field(None, max_length=255, description="Clear requests are ignored.")
    email: str | None = Field(
        None, max_length=254, description="A valid address, unique among live clients (409)."
    )
    mobile_phone: str | None = Field(
        None, max_length=50, description='Cleared by null/"" only with force_nullifying.'
    )
    phone: str | None = Field(
        None, max_length=50, description="Alias of mobile_phone (which wins)."
    )
    address: str | None = Field(
        None, max_length=1000, description='Cleared by null/"" only with force_nullifying.'
    )
    custom_field1: str | None = Field(None, max_length=1000)
    custom_field2: str | None = Field(None, max_length=1000)
    custom_field3: str | None = Field(None, max_length=1000)
    staff_id: str | None = Field(None, description="A staff uid of the same business.")
    status: Literal["lead", "customer", "loyal", "inactive"] | None = None
    source_name: str | None = Field(None, max_length=255, description="Sets the `source` label.")
    source_url: str | None = Field(
        None, max_length=2048, description="Stored on the client; reads show the source record's."
    )
    tags: str | None = Field(
        None,
        description='Comma-separated labels (at most 100 of 100 characters); "" clears, '
        "null is ignored.",
    )
    opt_in: Flag = Field(None, description=FLAG_TEXT + " Ignored when opt-in is disabled.")
    spam: Flag = Field(None, description=FLAG_TEXT)
    force_nullifying: Any = Field(
        None, description='On only for JSON true or the string "true"; anything else is off.'
    )


class ClientCreate(BaseModel):
    """POST body. Unknown fields are refused (422)."""

    model_config = ConfigDict(extra="forbid")

    first_name: str = Field(max_length=255)
    last_name: str | None = Field(None, max_length=255)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=50, description="Stored as mobile_phone.")
    mobile_phone: str | None = Field(None, max_length=50, description="Wins over phone.")
    address: str | None = Field(None, max_length=1000)
    custom_field1: str | None = Field(None, max_length=1000)
    custom_field2: str | None = Field(None, max_length=1000)
    custom_field3: str | None = Field(None, max_length=1000)
    opt_in: Flag = Field(None, description=FLAG_TEXT)
    opt_in_transactional_sms: bool | None = None
    source_name: str | None = Field(None, max_length=255)
    source_url: str | None = Field(None, max_length=2048)
    source_channel: str | None = Field(None, max_length=255)
    source_campaign: str | None = Field(None, max_length=255)
    staff_id: str | None = None
    status: Literal["lead", "customer", "loyal", "inactive"] = "lead"
    tags: str | None = Field(None, description="Comma-separated labels.")
    spam: Flag = Field(None, description=FLAG_TEXT)


class MatterOut(BaseModel):
    uid: str
    display_name: str
    fields: list[Any]


class _ClientReadHead(BaseModel):
    """The fields single and list representations share, in their order."""

    id: str
    first_name: str | None
    last_name: str | None
    mobile_phone: str | None
    email: str | None
    address: str | None
    created_at: str = Field(examples=["2026-01-31T12:00:00Z"])
    updated_at: str
    customer_status: Literal["lead", "customer", "loyal", "inactive"]
    tags: list[str]
    opt_in: Literal["1", "0"] | None
    source: str | None
    source_url: str | None
    channel: str | None
    campaign: str | None
    custom_field1: str | None
    custom_field2: str | None
    custom_field3: str | None


class ClientSingle(_ClientReadHead):
    matters: list[MatterOut]
    matter_term: Literal["clients"]
    normalized_phone: str | None
    spam: bool
    staff_id: str | None


class ClientUpdated(BaseModel):
    address: str | None
    created_at: str
    customer_status: Literal["lead", "customer", "loyal", "inactive"]
    email: str | None
    first_name: str | None
    id: str
    last_name: str | None
    mobile_phone: str | None
    opt_in: Literal["1", "0"] | None
    spam: bool
    tags: list[str]
    updated_at: str


class SourceData(BaseModel):
    campaign: str | None
    channel: str | None
    name: str | None
    website_url: str | None


class ClientCreated(BaseModel):
    address: str | None
    created_at: str
    customer_status: Literal["lead", "customer", "loyal", "inactive"]
    email: str | None
    first_name: str | None
    id: str
    last_name: str | None
    mobile_phone: str | None
    opt_in: Literal["1", "0"] | None
    source_data: SourceData
    spam: bool
    tags: list[str]
    updated_at: str


class SingleData(BaseModel):
    client: ClientSingle


class UpdatedData(BaseModel):
    client: ClientUpdated


class CreatedData(BaseModel):
    client: ClientCreated
    token: str = Field(description="A client token (for a client portal; 403 on these endpoints).")


class SingleEnvelope(BaseModel):
    status: Literal["OK"]
    data: SingleData


class UpdatedEnvelope(BaseModel):
    status: Literal["OK"]
    data: UpdatedData


class CreatedEnvelope(BaseModel):
    status: Literal["OK"]
    data: CreatedData


class ErrorEnvelope(BaseModel):
    """Every error: the message of contract section 3 and a snake_case code."""

    status: Literal["Error"]
    error: str
    error_code: str
    errors: dict[str, list[str]] | None = Field(
        None, description="On validation errors: messages by request field name."
    )


class ClientListItem(_ClientReadHead):
    """A list item: single without matters and matter_term, with business_uid."""

    business_uid: str
    normalized_phone: str | None
    spam: bool
    staff_id: str | None


class ListData(BaseModel):
    clients: list[ClientListItem]


class ListEnvelope(BaseModel):
    status: Literal["OK"]
    data: ListData


class BulkItem(BaseModel):
    """One client of a bulk opt-in update: its id and opt_in, nothing else."""

    model_config = ConfigDict(extra="forbid")

    id: str
    opt_in: bool | Literal["1", "0", "true", "false", 1, 0] = Field(
        description='One of true, false, "1", "0", 1, 0, "true", "false".'
    )


class BulkUpdate(BaseModel):
    """PUT /clients/bulk body: at most 5000 items, applied all or nothing."""

    clients: list[BulkItem] = Field(max_length=5000)


class BulkResult(BaseModel):
    updated: bool
    count: int = Field(description="The number of items of the request (0 when none applied).")
    message: Literal["Clients updated successfully", "No clients updated"]


class BulkEnvelope(BaseModel):
    status: Literal["OK"]
    data: BulkResult


class MergeMasterEnvelope(BaseModel):
    """The merge endpoints' envelope has no `data`."""

    status: Literal["OK"]
    master_ids: list[str]


class MergedEnvelope(BaseModel):
    status: Literal["OK"]
    master_ids: list[str]
    clients: list[ClientSingle]
