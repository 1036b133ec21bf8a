"""A faust worker for bench_consumers.py: decode every envelope of a topic, report the rate.

Configured by environment; writes "<seconds from first to last record>" to BENCH_RESULT and exits.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import faust

from mercato_kit.events import EventEnvelope

EXPECTED = int(os.environ["BENCH_RECORDS"])
RESULT = Path(os.environ["BENCH_RESULT"])

app = faust.App(
    os.environ["BENCH_GROUP"],
    broker=f"kafka://{os.environ['KAFKA_BOOTSTRAP_SERVERS']}",
    store="memory://",
    web_enabled=False,
    datadir=os.environ["BENCH_DATADIR"],
    consumer_auto_offset_reset="earliest",
    topic_disable_leader=True,
)
source = app.topic(os.environ["BENCH_TOPIC"], value_type=bytes, value_serializer="raw")
state = {"count": 0, "first": 0.0}


@app.agent(source)
async def consume(stream: faust.StreamT[bytes]) -> None:
    async for value in stream:
        if state["count"] == 0:
            state["first"] = time.perf_counter()
        EventEnvelope.from_bytes(value)
        state["count"] += 1
        if state["count"] == EXPECTED:
            # One small write at the very end: blocking the loop here costs nothing measured.
            RESULT.write_text(str(time.perf_counter() - state["first"]))  # noqa: ASYNC240
            os.kill(os.getpid(), signal.SIGTERM)


if __name__ == "__main__":
    app.main()
