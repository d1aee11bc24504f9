"""What the app holds for its routes: settings, the engine and the signing key."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from clientbook.config import Settings


@dataclass(frozen=True, slots=True)
class AppState:
    settings: Settings
    engine: sa.Engine
    key: str
