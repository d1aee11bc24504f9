"""What the app holds for its routes: settings, the engine, the hot path's store, the
read routes' slots and the signing key."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from clientbook.api.metrics import Metrics
from clientbook.api.ratelimit import RateLimit
from clientbook.api.reads import ReadThreads
from clientbook.config import Settings
from clientbook.store.direct import DirectStore


@dataclass(frozen=True, slots=True)
class AppState:
    settings: Settings
    engine: sa.Engine
    key: str
    direct: DirectStore
    reads: ReadThreads
    limiter: RateLimit | None = None
    metrics: Metrics = field(default_factory=Metrics)
