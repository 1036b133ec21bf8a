"""Graceful shutdown: a real server process, a real SIGTERM, a call in flight."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Any

import grpc
import pytest

from mercato.kittest.v1 import echo_pb2, echo_pb2_grpc
from mercato_kit.grpc import create_server, run_shutdown_hooks, serve
from tests.kit.grpc._support import LogLines
from tests.kit.grpc.echo_service import EchoServicer

pytestmark = pytest.mark.asyncio(loop_scope="session")

ROOT = Path(__file__).resolve().parents[3]
TIMEOUT = 30


class ServerProcess:
    """The echo server in a subprocess, its JSON log lines read as they come."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[dict[str, Any]] = []

    async def wait_for(self, event: str) -> dict[str, Any]:
        async def read() -> dict[str, Any]:
            assert self.process.stderr is not None
            while True:
                raw = await self.process.stderr.readline()
                if not raw:
                    raise AssertionError(f"the server exited before logging {event!r}")
                try:
                    line = json.loads(raw)
                except ValueError:
                    continue
                self.lines.append(line)
                if line.get("event") == event:
                    return line

        return await asyncio.wait_for(read(), TIMEOUT)

    def events(self) -> list[str]:
        return [
            f"{line['event']}:{line['hook']}" if "hook" in line else line["event"]
            for line in self.lines
        ]


async def test_sigterm_lets_the_call_in_flight_finish_refuses_new_ones_then_runs_hooks() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.kit.grpc.echo_server_main",
        cwd=ROOT,
        stderr=asyncio.subprocess.PIPE,
    )
    server = ServerProcess(process)
    try:
        address = (await server.wait_for("grpc server listening"))["address"]
        async with grpc.aio.insecure_channel(address) as channel:
            slow = asyncio.ensure_future(
                echo_pb2_grpc.EchoServiceStub(channel).Slow(
                    echo_pb2.SlowRequest(millis=1500), timeout=TIMEOUT
                )
            )
            await server.wait_for("slow call started")

            process.send_signal(signal.SIGTERM)
            await server.wait_for("grpc server draining in-flight calls")
            async with grpc.aio.insecure_channel(address) as late_channel:
                with pytest.raises(grpc.aio.AioRpcError) as refused:
                    await echo_pb2_grpc.EchoServiceStub(late_channel).Echo(
                        echo_pb2.EchoRequest(text="too late"), timeout=TIMEOUT
                    )
            answer = await slow

        await server.wait_for("shutdown hook ran")
        assert process.stderr is not None
        rest = await asyncio.wait_for(process.stderr.read(), TIMEOUT)
        server.lines += [json.loads(raw) for raw in rest.splitlines() if raw.startswith(b"{")]
        exit_code = await asyncio.wait_for(process.wait(), TIMEOUT)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert answer.millis == 1500
    # Refused either at connect (UNAVAILABLE) or, when the connection raced the listener's
    # close, by the draining server (CANCELLED); either way the handler never saw it.
    assert refused.value.code() in {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED}
    assert not [line for line in server.lines if line["event"] == "echoing"]
    assert exit_code == 0
    events = server.events()
    order = [
        "grpc server stop requested",
        "grpc server health NOT_SERVING",
        "grpc server draining in-flight calls",
        "slow call finished",
        "grpc server stopped",
        "shutdown hook ran:stop_consumers",
        "shutdown hook ran:flush_outbox_relay",
    ]
    assert [event for event in events if event in order] == order
    [requested] = [line for line in server.lines if line["event"] == "grpc server stop requested"]
    assert requested["reason"] == "SIGTERM"


async def test_serve_stops_on_request_and_runs_the_hooks_in_order(json_logs: LogLines) -> None:
    ran: list[str] = []

    async def first() -> None:
        ran.append("first")

    async def broken() -> None:
        ran.append("broken")
        raise RuntimeError("hook failed")

    async def last() -> None:
        ran.append("last")

    server = create_server("127.0.0.1:0", grace=1)
    echo_pb2_grpc.add_EchoServiceServicer_to_server(EchoServicer(), server)
    serving = asyncio.ensure_future(serve(server, first, broken, last, stop_signals=()))
    await asyncio.wait_for(server.wait_until_serving(), TIMEOUT)
    async with grpc.aio.insecure_channel(server.bound_address) as channel:
        answer = await echo_pb2_grpc.EchoServiceStub(channel).Echo(
            echo_pb2.EchoRequest(text="served"), timeout=TIMEOUT
        )

    server.request_stop("test")
    await asyncio.wait_for(serving, TIMEOUT)

    assert answer.text == "served"
    assert ran == ["first", "broken", "last"]
    [failure] = json_logs.records("shutdown hook failed")
    assert "RuntimeError: hook failed" in failure["exception"]


async def test_hooks_run_even_when_the_address_cannot_be_bound(json_logs: LogLines) -> None:
    ran: list[str] = []

    async def hook() -> None:
        ran.append("hook")

    holder = create_server("127.0.0.1:0", grace=1)
    await holder.start()
    try:
        taken = create_server(holder.bound_address, grace=1)
        with pytest.raises(OSError, match="cannot listen"):
            await asyncio.wait_for(serve(taken, hook, stop_signals=()), TIMEOUT)
    finally:
        await holder.stop(grace=1)

    assert ran == ["hook"]


async def test_hooks_run_in_order_after_one_fails() -> None:
    ran: list[str] = []

    async def failing() -> None:
        ran.append("failing")
        raise ValueError("nope")

    async def next_one() -> None:
        ran.append("next")

    await run_shutdown_hooks([failing, next_one])

    assert ran == ["failing", "next"]
