"""The kit's metrics move with what happens: RPC durations by method and code, appends counted
at commit, the outbox's depth and what the relay published, a consumer's lag, applied events
and dead letters (real gRPC, SQLite and Kafka), served in Prometheus' text format."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import aiohttp
import grpc
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.kittest.v1 import echo_pb2, echo_pb2_grpc
from mercato_kit.consumer import ConsumedRecord, IdempotentConsumer
from mercato_kit.events import EventEnvelope, TopicSpec
from mercato_kit.grpc import create_server
from mercato_kit.http import HttpServer
from mercato_kit.messaging import KafkaPublisher, OutboxRelay, create_producer, ensure_topics
from mercato_kit.metrics import Metrics, install_metrics, metrics_application
from mercato_kit.storage import Database, append_to_outbox, migrate
from mercato_localinfra._process import free_port
from tests.kit.consumer.consumer_app import KAFKA_OPTIONS
from tests.kit.consumer.support import envelope, prepare, produce, produce_envelopes, running
from tests.kit.consumer.support import wait_until as wait_for
from tests.kit.grpc.echo_service import EchoServicer

pytestmark = pytest.mark.asyncio(loop_scope="session")


class Rollback(Exception):
    """Raised inside a transaction to roll it back."""


@pytest.fixture
def metrics() -> Iterator[Metrics]:
    """A process's metrics, installed for the test (appends report to it) and removed after."""
    metrics = Metrics("kittest", process_collectors=False)
    previous = install_metrics(metrics)
    yield metrics
    install_metrics(previous)


@pytest.fixture
async def database(fresh_sqlite_url: str) -> AsyncIterator[Database]:
    await asyncio.to_thread(migrate, fresh_sqlite_url)
    database = Database(fresh_sqlite_url)
    yield database
    await database.dispose()


def value(metrics: Metrics, name: str, **labels: str) -> float:
    found = metrics.registry.get_sample_value(name, {"service": "kittest", **labels})
    return 0.0 if found is None else found


async def test_every_answered_call_is_timed_by_method_and_status_code(metrics: Metrics) -> None:
    server = create_server("127.0.0.1:0", grace=1, metrics=metrics)
    echo_pb2_grpc.add_EchoServiceServicer_to_server(EchoServicer(), server)
    await server.start()
    try:
        async with grpc.aio.insecure_channel(server.bound_address) as channel:
            stub = echo_pb2_grpc.EchoServiceStub(channel)
            for _ in range(3):
                await stub.Echo(echo_pb2.EchoRequest(text="hello"))
            with pytest.raises(grpc.aio.AioRpcError):
                await stub.Fail(echo_pb2.FailRequest(error="not_found"))
            with pytest.raises(grpc.aio.AioRpcError):
                await stub.Echo(echo_pb2.EchoRequest(text="hello", quantity=-1))
    finally:
        await server.stop(grace=1)

    echo = "/mercato.kittest.v1.EchoService/Echo"
    fail = "/mercato.kittest.v1.EchoService/Fail"
    count = "mercato_rpc_duration_seconds_count"
    assert value(metrics, count, method=echo, code="OK") == 3
    assert value(metrics, count, method=echo, code="INVALID_ARGUMENT") == 1
    assert value(metrics, count, method=fail, code="NOT_FOUND") == 1
    assert value(metrics, "mercato_rpc_duration_seconds_sum", method=echo, code="OK") > 0
    top = value(metrics, "mercato_rpc_duration_seconds_bucket", method=echo, code="OK", le="+Inf")
    assert top == 3


async def test_appends_count_at_commit_and_the_relay_empties_the_outbox_it_measures(
    metrics: Metrics, database: Database, kafka_bootstrap_servers: str, unique_topic: str
) -> None:
    await ensure_topics(kafka_bootstrap_servers, [TopicSpec(unique_topic, partitions=1)])
    three = [envelope(f"kept-{n}", aggregate_id=f"a-{n}") for n in range(3)]
    async with database.transaction() as session:
        await append_to_outbox(session, three, topic=unique_topic)
    with contextlib.suppress(Rollback):
        async with database.transaction() as session:
            await append_to_outbox(session, [envelope("undone")], topic=unique_topic)
            raise Rollback
    assert value(metrics, "mercato_events_appended_total", aggregate="kit.example") == 3

    async with KafkaPublisher(create_producer(kafka_bootstrap_servers)) as publisher:
        relay = OutboxRelay(database, publisher, name="kittest", metrics=metrics)
        await metrics.sample()
        assert value(metrics, "mercato_outbox_depth") == 3
        assert value(metrics, "mercato_outbox_oldest_age_seconds") >= 0
        assert value(metrics, "mercato_events_published_total", topic=unique_topic) == 0

        await relay.flush(timeout=60)
        await metrics.sample()
    assert value(metrics, "mercato_outbox_depth") == 0
    assert value(metrics, "mercato_outbox_oldest_age_seconds") == 0
    assert value(metrics, "mercato_events_published_total", topic=unique_topic) == 3


async def test_a_consumers_lag_is_what_lies_past_its_stored_position_until_it_catches_up(
    metrics: Metrics, fresh_sqlite_url: str, kafka_bootstrap_servers: str, unique_topic: str
) -> None:
    await prepare(kafka_bootstrap_servers, unique_topic, 1, fresh_sqlite_url)
    database = Database(fresh_sqlite_url)
    release = asyncio.Event()
    seen: list[str] = []

    async def handle(session: AsyncSession, event: EventEnvelope, record: ConsumedRecord) -> None:
        seen.append(event.event_id)
        await release.wait()

    group = f"lag-{unique_topic}"[:128]
    consumer = IdempotentConsumer(
        database,
        kafka_bootstrap_servers,
        name=group,
        topics=[unique_topic],
        handler=handle,
        kafka_options=KAFKA_OPTIONS,
        metrics=metrics,
    )
    events = [envelope(f"e{n}") for n in range(4)]
    await produce_envelopes(kafka_bootstrap_servers, unique_topic, events)
    await produce(kafka_bootstrap_servers, [(unique_topic, b"not an envelope")])

    def lag() -> float:
        labels = {"group": group, "topic": unique_topic, "partition": "0"}
        return value(metrics, "mercato_consumer_lag", **labels)

    try:
        async with running(consumer) as alive:
            # The handler holds the first event: nothing is committed, all five records wait.
            await wait_for(lambda: _true(bool(seen) and lag() == 5), "lag of 5", alive=alive)
            release.set()
            await wait_for(lambda: _true(lag() == 0), "lag back to 0", alive=alive)
    finally:
        await database.dispose()
    applied = value(
        metrics, "mercato_events_applied_total", group=group, type="google.protobuf.StringValue"
    )
    assert applied == 4
    assert value(metrics, "mercato_dead_letters_total", group=group, topic=unique_topic) == 1


async def test_the_registry_is_served_in_prometheus_text_format(metrics: Metrics) -> None:
    metrics.observe_rpc("/x.v1.S/M", "OK", 0.003)
    readings = iter([2.0, 5.0])

    async def in_flight() -> float:
        return next(readings)

    metrics.gauge("mercato_saga_steps_in_flight", "Saga steps sent, not yet answered.", in_flight)
    await metrics.sample()
    await metrics.sample()
    address = f"127.0.0.1:{free_port()}"
    server = HttpServer("kittest.metrics", metrics_application(metrics), address)
    serving = asyncio.create_task(server.run())
    try:
        text = ""
        async with aiohttp.ClientSession() as http:
            for _ in range(100):
                try:
                    async with http.get(f"http://{address}/metrics") as answer:
                        text = await answer.text()
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
    finally:
        await server.stop()
        await serving
    assert 'mercato_saga_steps_in_flight{service="kittest"} 5.0' in text
    assert (
        'mercato_rpc_duration_seconds_bucket{code="OK",le="0.005",method="/x.v1.S/M",'
        'service="kittest"} 1.0' in text
    )


async def _true(condition: bool) -> bool:
    return condition
