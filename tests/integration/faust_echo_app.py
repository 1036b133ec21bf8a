"""A faust-streaming worker for the client test: echoes every record from one topic to another.

Started as a real process by tests/integration/test_kafka_clients.py; configured by environment.
"""

from __future__ import annotations

import os

import faust

app = faust.App(
    os.environ["FAUST_ECHO_APP_ID"],
    broker=f"kafka://{os.environ['KAFKA_BOOTSTRAP_SERVERS']}",
    store="memory://",
    web_enabled=False,
    datadir=os.environ["FAUST_ECHO_DATADIR"],
    consumer_auto_offset_reset="earliest",
    topic_disable_leader=True,
    producer_acks=-1,
)
source_topic = app.topic(os.environ["FAUST_ECHO_SOURCE"], value_type=bytes, value_serializer="raw")
sink_topic = app.topic(os.environ["FAUST_ECHO_SINK"], value_type=bytes, value_serializer="raw")


@app.agent(source_topic)
async def echo(stream: faust.StreamT[bytes]) -> None:
    async for event in stream.events():
        await sink_topic.send(key=event.key, value=b"echo:" + event.value)


if __name__ == "__main__":
    app.main()
