"""Test support: configure_logging's real JSON output captured in memory, and a running echo."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import grpc
import structlog

from mercato.kittest.v1 import echo_pb2_grpc
from mercato_kit.grpc import GrpcServer
from mercato_kit.logging import configure_logging
from tests.kit.grpc.echo_service import EchoServicer


class LogLines:
    """The JSON lines written while the capture is on."""

    def __init__(self, stream: io.StringIO) -> None:
        self._stream = stream

    @property
    def text(self) -> str:
        return self._stream.getvalue()

    def records(self, event: str | None = None) -> list[dict[str, Any]]:
        lines = [json.loads(line) for line in self.text.splitlines() if line.strip()]
        return [line for line in lines if event is None or line.get("event") == event]


@contextmanager
def captured_json_logs(service: str, level: str = "INFO") -> Iterator[LogLines]:
    """Logging set up as a service sets it up, writing into a buffer; restored afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    quieted = {name: logging.getLogger(name).level for name in ("aiokafka", "kafka", "alembic")}
    saved_config = structlog.get_config()
    configure_logging(service, level=level, json=True)
    stream = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    try:
        yield LogLines(stream)
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for name, quiet_level in quieted.items():
            logging.getLogger(name).setLevel(quiet_level)
        structlog.configure(**saved_config)


@dataclass
class RunningEcho:
    """An EchoService behind the edge, and a channel to it."""

    server: GrpcServer
    servicer: EchoServicer
    channel: grpc.aio.Channel
    stub: echo_pb2_grpc.EchoServiceStub
