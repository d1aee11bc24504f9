"""Prometheus metrics of one server process: request count and latency per route template.

Each app owns its registry (so several apps in one process, as in tests, never collide).
With `--workers N` every worker process keeps and reports its own numbers: a scrape
answers for the worker that served it (see the README).
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest

LABELS = ("method", "route", "status")
# Seconds; from a cached read to a 5000-item bulk update.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The request counter and latency histogram, labelled by method, route template, status."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "clientbook_http_requests",
            "HTTP requests answered, by method, route template and status.",
            LABELS,
            registry=self.registry,
        )
        self.latency = Histogram(
            "clientbook_http_request_duration_seconds",
            "Time to answer an HTTP request, by method, route template and status.",
            LABELS,
            buckets=BUCKETS,
            registry=self.registry,
        )

    def observe(self, *, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:  # labels() validates and locks: done once per label set
            labels = (method, route, str(status))
            children = self._children[key] = (
                self.requests.labels(*labels),
                self.latency.labels(*labels),
            )
        children[0].inc()
        children[1].observe(seconds)

    def render(self) -> bytes:
        """The Prometheus text exposition of this process's numbers."""
        return generate_latest(self.registry)
