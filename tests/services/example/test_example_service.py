"""The template service as a real process: gRPC in, events out to Kafka, projection by consumer.

Started with `mercato serve example`, configured only by environment variables, on SQLite and
on PostgreSQL, against the real broker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from mercato.example.v1 import wishlist_pb2 as pb
from mercato.example.v1 import wishlist_pb2_grpc
from mercato_kit.events import EventEnvelope, topic_for
from tests.support.services import ServiceProcess, envelopes_on


@pytest.fixture
def service(
    fresh_database_url: str, kafka_bootstrap_servers: str, tmp_path: Path
) -> Iterator[ServiceProcess]:
    settings = {
        "EXAMPLE_DATABASE_URL": fresh_database_url,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap_servers,
    }
    running = ServiceProcess.start("example", settings, tmp_path)
    running.stub = wishlist_pb2_grpc.WishlistServiceStub(running.channel)  # type: ignore[attr-defined]
    try:
        yield running
    finally:
        running.stop()


def _events_of(bootstrap: str, aggregate_id: str, count: int) -> list[EventEnvelope]:
    return envelopes_on(bootstrap, topic_for("example.wishlist"), aggregate_id, count)


def test_commands_are_idempotent_and_their_events_reach_kafka_in_order(
    service: ServiceProcess, kafka_bootstrap_servers: str
) -> None:
    owner = str(uuid.uuid4())
    create = pb.CreateWishlistRequest(idempotency_key=f"k-{owner}", owner_id=owner, name="Tea")
    correlation_id = str(uuid.uuid4())

    first = service.stub.CreateWishlist(create, metadata=[("x-correlation-id", correlation_id)])
    again = service.stub.CreateWishlist(create)
    added = service.stub.AddItem(
        pb.AddItemRequest(
            idempotency_key=f"a-{owner}", wishlist_id=first.wishlist_id, sku="TEA-1", quantity=2
        )
    )

    assert again == first
    assert added.version == 2
    events = _events_of(kafka_bootstrap_servers, first.wishlist_id, 2)
    assert [(e.event_type, e.aggregate_version) for e in events[:2]] == [
        ("mercato.example.v1.WishlistCreated", 1),
        ("mercato.example.v1.ItemAdded", 2),
    ]
    assert events[0].correlation_id == correlation_id
    assert events[0].producer == "example"
    wishlist = service.stub.GetWishlist(pb.GetWishlistRequest(wishlist_id=first.wishlist_id))
    assert [(i.sku, i.quantity) for i in wishlist.wishlist.items] == [("TEA-1", 2)]


def test_the_projection_catches_up_through_the_idempotent_consumer(
    service: ServiceProcess,
) -> None:
    owner = str(uuid.uuid4())
    created = service.stub.CreateWishlist(
        pb.CreateWishlistRequest(idempotency_key=f"k-{owner}", owner_id=owner, name="Tea")
    )
    for n in range(3):
        service.stub.AddItem(
            pb.AddItemRequest(
                idempotency_key=f"a-{owner}-{n}",
                wishlist_id=created.wishlist_id,
                sku=f"TEA-{n}",
                quantity=n + 1,
            )
        )

    deadline = time.monotonic() + 60
    summaries: list[pb.WishlistSummary] = []
    while time.monotonic() < deadline:
        summaries = list(
            service.stub.ListWishlists(pb.ListWishlistsRequest(owner_id=owner)).wishlists
        )
        if summaries and summaries[0].item_count == 6:
            break
        time.sleep(0.2)

    assert [(s.wishlist_id, s.item_count) for s in summaries] == [(created.wishlist_id, 6)]


def test_bad_input_names_the_field_and_changes_nothing(service: ServiceProcess) -> None:
    owner = str(uuid.uuid4())

    with pytest.raises(grpc.RpcError) as bad:
        service.stub.CreateWishlist(
            pb.CreateWishlistRequest(idempotency_key="k", owner_id=owner, name="x" * 101)
        )
    with pytest.raises(grpc.RpcError) as missing:
        service.stub.GetWishlist(pb.GetWishlistRequest(wishlist_id=str(uuid.uuid4())))

    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad.value.details().startswith("name:")
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    assert list(service.stub.ListWishlists(pb.ListWishlistsRequest(owner_id=owner)).wishlists) == []


def test_health_and_reflection_answer_and_sigterm_stops_it_cleanly(service: ServiceProcess) -> None:
    reflection = reflection_pb2_grpc.ServerReflectionStub(service.channel)
    answers = reflection.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")])
    )
    names = {s.name for answer in answers for s in answer.list_services_response.service}

    service.process.send_signal(signal.SIGTERM)

    assert {"mercato.example.v1.WishlistService", "grpc.health.v1.Health"} <= names
    assert service.process.wait(timeout=60) == 0, service.logs()[-3000:]
    logs = service.logs()
    assert '"event": "service stopped"' in logs
    assert "Traceback" not in logs


def test_a_missing_setting_stops_start_up_with_its_name(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"}

    done = subprocess.run(
        [sys.executable, "-m", "mercato_cli", "serve", "example"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )

    assert done.returncode == 2
    assert "KAFKA_BOOTSTRAP_SERVERS is not set" in done.stderr
    assert "Traceback" not in done.stderr
