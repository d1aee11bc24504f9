"""Prometheus metrics of one server process: request count and latency per route template.

Each app owns its registry (so several apps in one process, as in tests, never collide).
With `--workers N` every worker process keeps and reports its own numbers: a scrape
answers for the worker that served it (see the README).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

LABELS = ("method", "route", "status")
# Seconds; from a cached read to a 5000-item bulk update.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
REQUESTS = "clientbook_http_requests"
LATENCY = "clientbook_http_request_duration_seconds"


class _Series:
    """One label set: its request count, latency sum and per-bucket counts (the last
    bucket is +Inf)."""

    __slots__ = ("buckets", "count", "total")

    def __init__(self) -> None:
        self.count = 0
        self.total = 0.0
        self.buckets = [0] * (len(BUCKETS) + 1)


class Metrics(Collector):
    """The request counter and latency histogram, labelled by method, route template, status.

    A collector of plain numbers rather than prometheus-client's Counter and Histogram,
    whose per-sample locks cost more than a cached read's SQL: every observation is made
    on the event loop's thread (the ASGI middleware and the hot routes), and a scrape
    reads the numbers as they are, as the exposition format allows.
    """

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self._series: dict[tuple[str, str, int], _Series] = {}
        self.registry = CollectorRegistry()
        self.registry.register(self)

    def observe(self, *, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = _Series()
        series.count += 1
        series.total += seconds
        series.buckets[bisect_left(BUCKETS, seconds)] += 1

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            REQUESTS, "HTTP requests answered, by method, route template and status.",
            labels=LABELS,
        )  # fmt: skip
        latency = HistogramMetricFamily(
            LATENCY, "Time to answer an HTTP request, by method, route template and status.",
            labels=LABELS,
        )  # fmt: skip
        for (method, route, status), series in list(self._series.items()):
            labels = [method, route, str(status)]
            requests.add_metric(labels, series.count)
            cumulative, buckets = 0, []
            for bound, count in zip((*map(str, BUCKETS), "+Inf"), series.buckets, strict=True):
                cumulative += count
                buckets.append((bound, cumulative))
            latency.add_metric(labels, buckets, series.total)
        yield requests
        yield latency

    def render(self) -> bytes:
        """The Prometheus text exposition of this process's numbers."""
        return generate_latest(self.registry)
