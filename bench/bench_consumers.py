"""A faust agent against a plain aiokafka loop: consume and decode N event envelopes.

    .venv/bin/python -m bench.bench_consumers [--records 50000] [--repeats 3]

Both read the same topic (3 partitions, `--size`-byte envelopes) from the start in a fresh
consumer group and decode every envelope; each is timed from its first record to its last
(group join excluded). The faust agent runs as a real worker process (`faust_consume_app.py`,
in-memory store, no web server); the aiokafka loop runs in this process with `getmany`.
Kafka's own ConsumerPerformance on the same topic is the reference. The topic and the run's
consumer groups are deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from aiokafka import AIOKafkaConsumer

from bench._harness import (
    Rate,
    consumer_performance,
    create_topic,
    delete_topics,
    infra_endpoints,
    load,
    machine,
    produce_envelopes,
    raw,
    table,
)
from mercato_kit.events import EventEnvelope

FAUST_APP = Path(__file__).with_name("faust_consume_app.py")

WAIT = 300.0

GROUPS: list[str] = []
"""The consumer groups this run created (deleted at the end)."""


async def aiokafka_loop(bootstrap: str, topic: str, records: int) -> float:
    group = f"bench-aiokafka-{uuid.uuid4().hex[:8]}"
    GROUPS.append(group)
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    count, first, last = 0, 0.0, 0.0
    try:
        async with asyncio.timeout(WAIT):
            while count < records:
                batches = await consumer.getmany(timeout_ms=1000, max_records=1000)
                for batch in batches.values():
                    for record in batch:
                        if count == 0:
                            first = time.perf_counter()
                        EventEnvelope.from_bytes(record.value)
                        count += 1
                last = time.perf_counter()
    finally:
        await consumer.stop()
    return records / (last - first)


def faust_agent(bootstrap: str, topic: str, records: int) -> float:
    group = f"bench-faust-{uuid.uuid4().hex[:8]}"
    GROUPS.append(group)
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "result"
        env = dict(
            os.environ,
            KAFKA_BOOTSTRAP_SERVERS=bootstrap,
            BENCH_TOPIC=topic,
            BENCH_RECORDS=str(records),
            BENCH_RESULT=str(result),
            BENCH_GROUP=group,
            BENCH_DATADIR=tmp,
        )
        worker = subprocess.Popen(
            [sys.executable, str(FAUST_APP), "worker", "--loglevel", "warn"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            worker.wait(timeout=WAIT)
        finally:
            if worker.poll() is None:
                worker.kill()
        return records / float(result.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--size", type=int, default=300, help="serialized envelope bytes")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    bootstrap, _ = infra_endpoints()
    topic = f"bench.consumers.{uuid.uuid4().hex[:8]}"

    print(f"machine: {machine()}; {load()} at start")
    create_topic(bootstrap, topic, 3)
    faust_rates: list[float] = []
    aiokafka_rates: list[float] = []
    reference: list[float] = []
    try:
        value_size = produce_envelopes(bootstrap, topic, args.records, size=args.size)
        for _ in range(args.repeats):
            faust_rates.append(faust_agent(bootstrap, topic, args.records))
            aiokafka_rates.append(asyncio.run(aiokafka_loop(bootstrap, topic, args.records)))
            group = f"bench-consumers-cp-{uuid.uuid4().hex[:8]}"
            GROUPS.append(group)
            reference.append(consumer_performance(bootstrap, topic, args.records, group))
    finally:
        delete_topics(bootstrap, [topic], GROUPS)

    aiokafka = Rate("aiokafka loop", aiokafka_rates)
    faust = Rate("faust agent", faust_rates)
    kafka = Rate("ConsumerPerformance", reference)
    print(
        f"records: {args.records} envelopes of {value_size} B, 3 partitions; "
        f"repeats: {args.repeats}\n"
    )
    print(
        table(
            [
                ("consume + decode envelopes", faust, aiokafka),
                ("consume + decode envelopes", aiokafka, kafka),
                ("consume + decode envelopes", faust, kafka),
            ],
            "records/s",
        )
    )
    print(f"\n- raw: {raw([faust, aiokafka, kafka])}")
    print(f"\n{load()} at end")


if __name__ == "__main__":
    main()
