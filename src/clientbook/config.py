"""Settings: the only place that reads the environment (prefix CLIENTBOOK_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./data/clientbook.db"


class Settings(BaseSettings):
    """Everything the service can be told; built once and passed in."""

    model_config = SettingsConfigDict(env_prefix="CLIENTBOOK_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    # When unset, a random key is generated on first use and kept in the database,
    # so the CLI and every server process agree on it.
    secret_key: str | None = None
    platform_token_ttl_days: int = Field(default=365, ge=1)
    client_token_ttl_days: int = Field(default=30, ge=1)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1)
    rate_limit: int = Field(default=6000, ge=0)
    # Redis for the rate limit counts (shared by every server process); in memory when unset.
    redis_url: str | None = None
    rate_limit_key_prefix: str = "clientbook"
    # PostgreSQL connections each server process keeps open at most (its asyncpg pool).
    pool_size: int = Field(default=10, ge=1)
