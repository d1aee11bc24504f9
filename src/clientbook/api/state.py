"""What the app holds for its routes: settings, the store, the signing key, the rate
limit and the metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from clientbook import auth
from clientbook.api.metrics import Metrics
from clientbook.api.ratelimit import RateLimit
from clientbook.config import Settings
from clientbook.store.database import DirectStore

if TYPE_CHECKING:
    from clientbook.api.routing import RouteTable


@dataclass(slots=True)
class AppState:
    settings: Settings
    store: DirectStore
    limiter: RateLimit | None = None
    metrics: Metrics = field(default_factory=Metrics)
    key: str = ""  # the signing key: set by `ready` (CLIENTBOOK_SECRET_KEY or the database's)
    table: RouteTable | None = None  # the app's routes (for the OpenAPI document)
    openapi: dict[str, Any] | None = None  # the document, built on first request
    watch_parent: bool = False  # stop when the server process is gone (orphans.py)

    async def start(self) -> None:
        """Open the store's connections and read the signing key (the lifespan's start)."""
        await self.store.start()
        await self.ready()

    async def ready(self) -> None:
        """Read the signing key once (also without a lifespan: an ASGI test client)."""
        if self.key:
            return
        if self.settings.secret_key:
            self.key = self.settings.secret_key
            return
        async with self.store.writing() as tx:
            self.key = await auth.secret_key(tx, self.settings)

    async def close(self) -> None:
        if self.limiter is not None:
            await self.limiter.close()
        await self.store.close()
