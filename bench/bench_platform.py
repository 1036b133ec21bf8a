"""The open platform: events fanned out to partner streams (gRPC and Server-Sent Events) against
a plain aiokafka read of the same records in the same run; webhook deliveries to a local
receiver; latency from an envelope's publication to a partner receiving it.

    .venv/bin/python -m bench.bench_platform [--events 2000] [--grpc 1,10,100] [--sse 1,10]
        [--latency-rate 50] [--latency-seconds 10] [--webhooks 2000]

A platform process (`mercato serve platform`, a fresh PostgreSQL database on the server of
DATABASE_URL, dropped at the end, its feed starting at the topics' end) serves N partner apps,
each granted orders:read by one seller and subscribed to OrderPlaced. For each fan-out size the
subscribers open live streams, then `--events` OrderPlaced envelopes of that seller are
published to mercato.orders.order as the orders service would (one order each, so they spread
over the partitions); the figure is events per second from the first publication until every
subscriber holds every event: Kafka -> the platform's one consumer -> its feed (PostgreSQL) ->
its in-memory tail -> N streams -> the client. The baseline is a plain aiokafka consumer (no
group) reading the same records from their offsets, measured right after.

Latency: one gRPC subscriber, envelopes published at a fixed rate (open loop, so a slow
platform does not slow the arrivals); each sample is the receipt time minus the envelope's
occurred_at (set at publication, same clock); p50/p99 from the sorted samples.

Webhooks: one endpoint on a local aiohttp receiver (answers 204; signatures not checked, to
keep the receiver out of the figure), `--webhooks` events of distinct orders; deliveries per
second until the receiver has them all.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import grpc
from aiohttp import web
from aiokafka import AIOKafkaConsumer, TopicPartition

from bench._harness import fresh_postgres, infra_endpoints, load, machine
from mercato.orders.v1 import events_pb2 as orders_events
from mercato.platform.v1 import platform_pb2 as pb
from mercato.platform.v1 import platform_pb2_grpc
from mercato_kit.events import EventEnvelope
from mercato_kit.testing import LocalIssuer
from mercato_localinfra._process import free_port
from tests.services.platform._support import (
    Partner,
    PlatformProcess,
    Producers,
    key,
    new_partner,
    start_platform,
    subscribe,
)

PLACED = "mercato.orders.v1.OrderPlaced"
TOPIC = "mercato.orders.order"


def placed(producers: Producers, seller: str) -> EventEnvelope:
    order_id = str(uuid.uuid4())
    return producers.publish(
        "orders.order",
        order_id,
        orders_events.OrderPlaced(order_id=order_id, buyer_id="b", seller_id=seller, shop_id="s"),
    )


async def offsets(kafka: str) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(TOPIC, p) for p in consumer.partitions_for_topic(TOPIC) or ()]
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = [
                TopicPartition(TOPIC, p) for p in consumer.partitions_for_topic(TOPIC) or ()
            ]
        return dict(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()


async def aiokafka_read(kafka: str, start: dict[TopicPartition, int], count: int) -> float:
    """Events/s of a plain aiokafka consumer reading `count` records from `start`."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(start))
        for tp, offset in start.items():
            consumer.seek(tp, offset)
        began, read = time.perf_counter(), 0
        while read < count:
            batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
            read += sum(len(records) for records in batches.values())
        return count / (time.perf_counter() - began)
    finally:
        await consumer.stop()


async def grpc_subscriber(
    address: str,
    partner: Partner,
    wanted: set[str],
    target: int,
    ready: asyncio.Event,
    done: list[float],
) -> None:
    async with grpc.aio.insecure_channel(address) as channel:
        stub = platform_pb2_grpc.PartnerStreamServiceStub(channel)
        call = stub.StreamEvents(
            pb.StreamEventsRequest(heartbeat_seconds=1), metadata=partner.metadata
        )
        seen = 0
        async for response in call:
            ready.set()
            if response.HasField("event") and response.event.id in wanted:
                seen += 1
                if seen == target:
                    done.append(time.perf_counter())
                    call.cancel()
                    return


async def sse_subscriber(
    http: str,
    partner: Partner,
    wanted: set[str],
    target: int,
    ready: asyncio.Event,
    done: list[float],
) -> None:
    timeout = aiohttp.ClientTimeout(total=None, sock_read=300)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(f"{http}/v1/events?heartbeat_seconds=1", headers=partner.headers) as response,
    ):
        seen = 0
        async for raw in response.content:
            ready.set()
            line = raw.decode()
            if line.startswith('data: {"specversion"'):
                event_id = line.split('"id": "', 1)[1].split('"', 1)[0]
                if event_id in wanted:
                    seen += 1
                    if seen == target:
                        done.append(time.perf_counter())
                        return


async def fan_out(
    platform: PlatformProcess,
    producers: Producers,
    kafka: str,
    seller: str,
    partners: list[Partner],
    count: int,
    face: str,
) -> tuple[float, float]:
    """(events/s through the platform to every subscriber, plain aiokafka events/s)."""
    readies = [asyncio.Event() for _ in partners]
    done: list[float] = []
    wanted: set[str] = set()
    tasks = []
    for partner, ready in zip(partners, readies, strict=True):
        if face == "grpc":
            subscriber = grpc_subscriber(platform.address, partner, wanted, count, ready, done)
        else:
            subscriber = sse_subscriber(platform.http, partner, wanted, count, ready, done)
        tasks.append(asyncio.create_task(subscriber))
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)
    start = await offsets(kafka)
    began = time.perf_counter()
    for _ in range(count):
        wanted.add(placed(producers, seller).event_id)
    producers.flush()
    await asyncio.wait_for(asyncio.gather(*tasks), 600)
    platform_rate = count / (max(done) - began)
    baseline = await aiokafka_read(kafka, start, count)
    return platform_rate, baseline


async def latency(
    platform: PlatformProcess,
    producers: Producers,
    seller: str,
    partner: Partner,
    rate: float,
    seconds: float,
) -> list[float]:
    samples: list[float] = []
    total = int(rate * seconds)
    ready = asyncio.Event()

    async def listen() -> None:
        async with grpc.aio.insecure_channel(platform.address) as channel:
            stub = platform_pb2_grpc.PartnerStreamServiceStub(channel)
            call = stub.StreamEvents(
                pb.StreamEventsRequest(heartbeat_seconds=1), metadata=partner.metadata
            )
            async for response in call:
                ready.set()
                if response.HasField("event"):
                    occurred = response.event.time.ToDatetime(tzinfo=UTC)
                    samples.append((datetime.now(UTC) - occurred).total_seconds() * 1000)
                    if len(samples) == total:
                        call.cancel()
                        return

    task = asyncio.create_task(listen())
    await asyncio.wait_for(ready.wait(), 60)
    began = time.perf_counter()
    for n in range(total):
        delay = began + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        placed(producers, seller)
        producers._producer.flush(timeout=10)
    await asyncio.wait_for(task, 300)
    return sorted(samples)


async def webhooks(
    platform: PlatformProcess, producers: Producers, seller: str, partner: Partner, count: int
) -> float:
    received: set[str] = set()
    finished = asyncio.Event()

    async def handle(request: web.Request) -> web.Response:
        received.add(request.headers["webhook-id"])
        if len(received) >= count:
            finished.set()
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        async with grpc.aio.insecure_channel(platform.address) as channel:
            stub = platform_pb2_grpc.WebhookServiceStub(channel)
            await stub.RegisterEndpoint(
                pb.RegisterEndpointRequest(
                    idempotency_key=key(), url=f"http://127.0.0.1:{port}/hook", types=[PLACED]
                ),
                metadata=partner.metadata,
            )
        await asyncio.sleep(1)
        began = time.perf_counter()
        for _ in range(count):
            placed(producers, seller)
        producers.flush()
        await asyncio.wait_for(finished.wait(), 900)
        return count / (time.perf_counter() - began)
    finally:
        await runner.cleanup()


def percentile(samples: list[float], p: float) -> float:
    return samples[min(len(samples) - 1, int(len(samples) * p))]


async def run(args: argparse.Namespace) -> None:
    kafka, database = infra_endpoints()
    issuer = LocalIssuer()
    producers = Producers(kafka)
    print(f"- machine: {machine()}")
    print(f"- before: {load()}")
    sizes_grpc = [int(n) for n in args.grpc.split(",") if n]
    sizes_sse = [int(n) for n in args.sse.split(",") if n]
    with fresh_postgres(database, "bench_platform") as url, tempfile.TemporaryDirectory() as folder:
        platform = start_platform(
            url,
            kafka,
            issuer,
            Path(folder),
            PLATFORM_RATE_PER_SECOND="100000",
            PLATFORM_RATE_BURST="100000",
            PLATFORM_FEED_TAIL="50000",
            LOG_LEVEL="WARNING",
        )
        try:
            seller = str(uuid.uuid4())
            partners = [new_partner(issuer) for _ in range(max(sizes_grpc + sizes_sse + [1]))]
            for partner in partners:
                subscribe(platform, partner, PLACED)
                producers.grant(partner, seller, "orders:read")
            await asyncio.sleep(3)
            rows = []
            for face, sizes in (("grpc", sizes_grpc), ("sse", sizes_sse)):
                for size in sizes:
                    rate, baseline = await fan_out(
                        platform, producers, kafka, seller, partners[:size], args.events, face
                    )
                    rows.append((face, size, rate, baseline))
                    print(
                        f"  {face} x{size}: {rate:,.0f} events/s to each "
                        f"({rate * size:,.0f} deliveries/s), aiokafka {baseline:,.0f} events/s; "
                        f"{load()}",
                        flush=True,
                    )
            samples = await latency(
                platform, producers, seller, partners[0], args.latency_rate, args.latency_seconds
            )
            hooks = await webhooks(platform, producers, seller, partners[0], args.webhooks)
        finally:
            platform.stop()
            producers.close()
    print()
    print(
        "| face | subscribers | events/s to each | deliveries/s | plain aiokafka events/s | ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for face, size, rate, baseline in rows:
        print(
            f"| {face} | {size} | {rate:,.0f} | {rate * size:,.0f} | {baseline:,.0f} "
            f"| {rate / baseline:.3f} |"
        )
    print()
    print(
        f"Latency, publish -> partner (gRPC, {args.latency_rate:g}/s for "
        f"{args.latency_seconds:g} s, {len(samples)} samples): "
        f"p50 {percentile(samples, 0.5):.1f} ms, p99 {percentile(samples, 0.99):.1f} ms, "
        f"max {samples[-1]:.1f} ms, mean {statistics.mean(samples):.1f} ms"
    )
    print(f"Webhooks: {hooks:,.0f} deliveries/s ({args.webhooks} messages, one endpoint)")
    print(f"- after: {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--grpc", default="1,10,100")
    parser.add_argument("--sse", default="1,10")
    parser.add_argument("--latency-rate", type=float, default=50)
    parser.add_argument("--latency-seconds", type=float, default=10)
    parser.add_argument("--webhooks", type=int, default=2000)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
