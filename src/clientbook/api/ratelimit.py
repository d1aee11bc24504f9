"""The per-business rate limit of contract section 3: CLIENTBOOK_RATE_LIMIT requests a minute.

Counted right after authentication, keyed by the business acted on, so one noisy business
never slows another. In process memory by default; in Redis (CLIENTBOOK_REDIS_URL) so that
every server process shares one count.
"""

from __future__ import annotations

import logging
import math
import time
from contextlib import suppress

from limits import RateLimitItemPerMinute, storage, strategies
from limits.aio import storage as aio_storage
from limits.aio import strategies as aio_strategies
from limits.errors import StorageError

from clientbook.config import Settings
from clientbook.errors import TooManyRequests

log = logging.getLogger("clientbook")


class RateLimit:
    """A sliding-window counter of requests per business."""

    def __init__(self, *, per_minute: int, storage_url: str, key_prefix: str) -> None:
        self.item = RateLimitItemPerMinute(per_minute)
        # In memory the count is a few dict operations (sync); in Redis it is a network
        # call, made with redis-py's asyncio client on the event loop (no thread).
        self.in_memory = storage_url.startswith("memory")
        if self.in_memory:
            self.limiter = strategies.SlidingWindowCounterRateLimiter(
                storage.storage_from_string(storage_url, wrap_exceptions=True)
            )
        else:
            self.shared = aio_strategies.SlidingWindowCounterRateLimiter(
                aio_storage.RedisStorage(
                    "async+" + storage_url,
                    wrap_exceptions=True,
                    key_prefix=key_prefix,
                    implementation="redispy",
                )
            )

    async def close(self) -> None:
        """Close the Redis connections of this event loop (at shutdown)."""
        if not self.in_memory:
            client = getattr(getattr(self.shared.storage, "bridge", None), "storage", None)
            if client is not None:
                with suppress(Exception):
                    await client.aclose()

    async def hit(self, business_uid: str) -> None:
        """Count one request of the business; raise TooManyRequests past the limit."""
        try:
            if self.in_memory:
                if self.limiter.hit(self.item, "business", business_uid):
                    return
                reset_at = self.limiter.get_window_stats(self.item, "business", business_uid)[0]
            else:
                if await self.shared.hit(self.item, "business", business_uid):
                    return
                stats = await self.shared.get_window_stats(self.item, "business", business_uid)
                reset_at = stats[0]
        except StorageError:
            # A limiter that cannot count must not take the API down with it: fail open.
            log.warning("rate limit storage unavailable; request not counted")
            return
        retry_after = min(60, max(1, math.ceil(reset_at - time.time())))
        raise TooManyRequests(headers={"Retry-After": str(retry_after)})


def from_settings(settings: Settings) -> RateLimit | None:
    """The limiter the settings ask for, or None when CLIENTBOOK_RATE_LIMIT is 0."""
    if settings.rate_limit == 0:
        return None
    return RateLimit(
        per_minute=settings.rate_limit,
        storage_url=settings.redis_url or "memory://",
        key_prefix=settings.rate_limit_key_prefix,
    )
