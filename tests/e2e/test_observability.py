"""Metrics and traces of the running ecosystem, read the way an operator reads them: Debian's
Prometheus server, with the shipped configuration, scrapes the services and answers queries
over its HTTP API; an OTLP receiver gets one order's spans from every service it crossed, in
one trace, and the services' log lines name that trace."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest

from mercato.orders.v1 import orders_pb2 as orders
from mercato_localinfra import prometheus_binary
from mercato_localinfra._process import free_port
from tests.support.ecosystem import APPROVED, HANGZHOU, Ecosystem, key
from tests.support.traces import ReceivedSpan, TraceReceiver

pytestmark = pytest.mark.timeout(600)

DEPLOY = Path(__file__).parents[2] / "deploy" / "prometheus"
WAIT = 120.0


def eventually(check: Any, what: str, within: float = WAIT) -> Any:
    """`check()`'s first truthy answer, asked every half second; fails after `within` s."""
    deadline = time.monotonic() + within
    while True:
        answer = check()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:.0f}s waiting for {what}")
        time.sleep(0.5)


# -- traces ------------------------------------------------------------------------------------


def test_one_order_is_one_trace_across_the_services_and_their_log_lines_name_it(
    world: Ecosystem, traces: TraceReceiver
) -> None:
    seller = world.seller(stock=5)
    buyer = world.buyer()
    trace_id = secrets.token_hex(16)
    caller = f"00-{trace_id}-{secrets.token_hex(8)}-01"
    placed = world.orders.PlaceOrder(
        orders.PlaceOrderRequest(
            idempotency_key=key(),
            lines=[seller.line()],
            shipping_address=HANGZHOU,
            instrument=APPROVED,
        ),
        metadata=[*buyer.metadata, ("traceparent", caller)],
        timeout=30,
    )
    world.wait_for(buyer, placed.order_id, orders.ORDER_STATUS_PAID)

    def crossed() -> list[ReceivedSpan] | None:
        spans = traces.spans(trace_id)
        by_id = {span.span_id: span for span in spans}
        services = {span.service for span in spans}
        heard = [  # the ledger processing an event another service made in this trace
            s
            for s in spans
            if (s.service, s.kind) == ("ledger", "CONSUMER")
            and by_id.get(s.parent_span_id, s).service != "ledger"
        ]
        return spans if {"orders", "catalog", "payments"} <= services and heard else None

    spans = eventually(crossed, "spans from orders, catalog, payments and the ledger")
    by_id = {span.span_id: span for span in spans}
    [place] = [s for s in spans if s.name == "mercato.orders.v1.OrderService/PlaceOrder"]
    assert (place.service, place.kind) == ("orders", "SERVER")
    assert place.parent_span_id == caller.split("-")[2]  # the caller's span
    # orders asks catalog to reserve: its client span is the parent of catalog's server span
    [reserve] = [s for s in spans if s.service == "catalog" and s.name.endswith("/ReserveStock")]
    assert reserve.kind == "SERVER"
    asked = by_id[reserve.parent_span_id]
    assert (asked.service, asked.kind) == ("orders", "CLIENT")
    # events: appended, published by the relay (and processed by the ledger, above)
    kinds = {(s.service, s.kind, s.name.split(" ")[0]) for s in spans}
    assert ("orders", "INTERNAL", "append") in kinds
    assert ("orders", "PRODUCER", "publish") in kinds
    # the services' log lines carry the trace
    orders_log = world.services["orders"].logs()
    lines = [json.loads(line) for line in orders_log.splitlines() if trace_id in line]
    assert any(line.get("event") == "grpc call" for line in lines)
    assert all(line["trace_id"] == trace_id for line in lines)


# -- metrics -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def prometheus(world: Ecosystem, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Debian's Prometheus server with deploy/prometheus's file_sd configuration (scraping
    every second instead of every 15), its targets the ecosystem's metrics addresses; its
    HTTP API's base URL."""
    binary = prometheus_binary()
    if binary is None:
        message = "no prometheus server (`mercato infra install` installs Debian's package)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    home = tmp_path_factory.mktemp("prometheus")
    config = (DEPLOY / "prometheus-file-sd.yml").read_text()
    (home / "prometheus.yml").write_text(
        config.replace("scrape_interval: 15s", "scrape_interval: 1s")
    )
    shutil.copy(DEPLOY / "alerts.yml", home / "alerts.yml")
    (home / "targets").mkdir()
    targets = [
        {"targets": [service.metrics_address], "labels": {"job": "mercato"}}
        for service in world.services.values()
    ]
    (home / "targets" / "ecosystem.json").write_text(json.dumps(targets))
    address = f"127.0.0.1:{free_port()}"
    with (home / "prometheus.log").open("wb") as log:
        server = subprocess.Popen(
            [
                binary,
                f"--config.file={home / 'prometheus.yml'}",
                f"--storage.tsdb.path={home / 'data'}",
                f"--web.listen-address={address}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield f"http://{address}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def query(prometheus: str, promql: str) -> list[dict[str, Any]]:
    """The instant vector Prometheus answers (empty while it has no such series, or is not up)."""
    try:
        with urlopen(f"{prometheus}/api/v1/query?{urlencode({'query': promql})}", timeout=5) as r:
            answer = json.load(r)
    except (URLError, OSError):
        return []
    assert answer["status"] == "success", answer
    return list(answer["data"]["result"])


def test_prometheus_scrapes_every_service_and_answers_for_their_series(
    world: Ecosystem, prometheus: str
) -> None:
    seller = world.seller(stock=5)
    buyer = world.buyer()
    order_id = world.place(buyer, seller.line())
    world.wait_for(buyer, order_id, orders.ORDER_STATUS_PAID)

    placed = eventually(
        lambda: query(
            prometheus,
            'mercato_rpc_duration_seconds_count{service="orders",'
            'method="/mercato.orders.v1.OrderService/PlaceOrder",code="OK"}',
        ),
        "orders' PlaceOrder latency series",
    )
    assert float(placed[0]["value"][1]) >= 1
    up = eventually(
        lambda: (
            (found := query(prometheus, 'up{job="mercato"} == 1'))
            and len(found) == len(world.services)
            and found
        ),
        "every service scraped",
    )
    assert len(up) == len(world.services)
    for series in (
        'mercato_events_appended_total{service="orders",aggregate="orders.order"}',
        'mercato_events_published_total{service="orders",topic="mercato.orders.order"}',
        'mercato_events_applied_total{service="ledger"}',
        'mercato_consumer_lag{service="ledger"}',
        'mercato_outbox_depth{service="payments"}',
        'mercato_saga_steps_in_flight{service="orders"}',
        'mercato_reservations_held{service="catalog"}',
        'mercato_ledger_entries_total{service="ledger"}',
        'mercato_ledger_last_audit_ok{service="ledger"}',
    ):
        eventually(lambda series=series: query(prometheus, series), series)
