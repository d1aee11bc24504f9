"""The exact key order of each client representation (contract section 4)."""

SINGLE_KEYS = [
    "id", "first_name", "last_name", "mobile_phone", "email", "address", "created_at",
    "updated_at", "customer_status", "tags", "opt_in", "source", "source_url", "channel",
    "campaign", "custom_field1", "custom_field2", "custom_field3", "matters", "matter_term",
    "normalized_phone", "spam", "staff_id",
]  # fmt: skip

LIST_ITEM_KEYS = [
    "id", "first_name", "last_name", "mobile_phone", "email", "address", "created_at",
    "updated_at", "customer_status", "tags", "opt_in", "source", "source_url", "channel",
    "campaign", "custom_field1", "custom_field2", "custom_field3", "business_uid",
    "normalized_phone", "spam", "staff_id",
]  # fmt: skip

UPDATE_KEYS = [
    "address", "created_at", "customer_status", "email", "first_name", "id", "last_name",
    "mobile_phone", "opt_in", "spam", "tags", "updated_at",
]  # fmt: skip

CREATE_KEYS = [
    "address", "created_at", "customer_status", "email", "first_name", "id", "last_name",
    "mobile_phone", "opt_in", "source_data", "spam", "tags", "updated_at",
]  # fmt: skip
