"""The ecosystem chaos runs against: a broker and (with PostgreSQL) a database server of its own,
started with `mercato infra`'s launcher in a state directory of its own, and the demo's services
and carrier simulators started with the demo's launcher, on free ports.

`World.started` is a context manager: however the block ends (an error, Ctrl-C, SIGTERM) every
process it started is resumed if paused, then stopped, and the broker and database are stopped
and their data deleted.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import shutil
import signal
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from rich.console import Console

from mercato_cli.demo.command import _CORE, Options, _Demo
from mercato_cli.demo.launcher import DemoError, Fleet, Process
from mercato_cli.demo.scenario import Shares
from mercato_cli.demo.seed import Identity, Seller, SignedIn
from mercato_localinfra import KafkaProcess, LocalInfra, PostgresProcess

__all__ = ["SERVICES", "Retrying", "World", "WorldOptions"]

SERVICES = ("identity", *_CORE)
"""The services chaos starts (the demo's core, without marketing and the platform)."""
_SERVING = health_pb2.HealthCheckResponse.SERVING
RETRIED = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})


@dataclass(frozen=True)
class WorldOptions:
    seed: int
    orders: int
    """Every order the run will place (seeding: stock and the number of buyers follow it)."""
    postgres: bool
    workdir: Path
    timeout: float
    carrier_time_scale: float = 57600
    """A parcel's 34 simulated hours take about two seconds."""
    brokers: int = 1
    """Kafka brokers (more than one: a KRaft cluster, replication min(3, brokers))."""
    instances: int = 1
    """Processes per service (the demo launcher's --instances)."""


class Retrying(grpc.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """A client that retries UNAVAILABLE and DEADLINE_EXCEEDED with the same request (and so
    the same idempotency key) for up to `budget` seconds, as Mercato's clients are told to;
    it counts every status it was answered, so a caller seeing INTERNAL is known."""

    def __init__(self, budget: float = 120.0, pause: float = 0.5) -> None:
        self.budget = budget
        self.pause = pause
        self.answers: Counter[str] = Counter()
        self.stopping = threading.Event()
        """Set: retry nothing more (the run is being stopped)."""

    def intercept_unary_unary(
        self, continuation: Callable[[Any, Any], Any], details: Any, request: Any
    ) -> Any:
        deadline = time.monotonic() + self.budget
        while True:
            call = continuation(details, request)
            error = call.exception()
            code = error.code() if isinstance(error, grpc.Call) else grpc.StatusCode.OK
            self.answers[code.name] += 1
            if code not in RETRIED or time.monotonic() > deadline:
                return call
            if self.stopping.wait(self.pause):
                return call


@dataclass
class World:
    """The running ecosystem and the handles chaos needs to hurt it."""

    options: WorldOptions
    infra: LocalInfra
    demo: _Demo
    fleet: Fleet
    identity: Identity
    operator: SignedIn
    sellers: list[Seller] = field(default_factory=list)
    buyers: list[SignedIn] = field(default_factory=list)
    paused: set[int] = field(default_factory=set)
    """Pids chaos has SIGSTOPped and not yet resumed (resumed however the run ends)."""

    @property
    def kafka(self) -> str:
        return os.environ["KAFKA_BOOTSTRAP_SERVERS"]

    @property
    def run_key(self) -> str:
        return self.demo.run_key

    @property
    def console(self) -> Console:
        return self.demo.console

    @classmethod
    @contextlib.contextmanager
    def started(cls, options: WorldOptions, console: Console) -> Iterator[World]:
        state = Path(tempfile.mkdtemp(prefix="mercato-chaos-infra-", dir="/tmp"))
        state.chmod(0o755)  # PostgreSQL's own user must reach its data directory
        infra = LocalInfra(state_dir=state)
        saved = dict(os.environ)
        world: World | None = None
        try:
            began = time.monotonic()
            endpoints = infra.up(kafka_only=not options.postgres, brokers=options.brokers)
            os.environ["KAFKA_BOOTSTRAP_SERVERS"] = endpoints.kafka_bootstrap_servers
            os.environ.pop("DATABASE_URL", None)
            if endpoints.database_url:
                os.environ["DATABASE_URL"] = endpoints.database_url
            what = "Kafka and PostgreSQL" if options.postgres else "Kafka"
            if options.brokers > 1:
                what = what.replace("Kafka", f"a {options.brokers}-broker Kafka cluster")
            console.print(
                f"✓ {what} of its own up ({time.monotonic() - began:.1f} s; state {state})"
            )
            demo = _demo(options, console)
            with Fleet(options.workdir, demo.base_env) as fleet:
                try:
                    identity, operator, apps = demo._start_identity(fleet)
                    demo._start_services(fleet, apps)
                    world = cls(options, infra, demo, fleet, identity, operator)
                    world.sellers, world.buyers = demo._seed(identity)
                    yield world
                finally:
                    if world is not None:
                        for pid in list(world.paused):
                            world.resume(pid)
                    for channel in demo.channels.values():
                        channel.close()
        finally:
            infra.down(purge=True)
            shutil.rmtree(state, ignore_errors=True)
            os.environ.clear()
            os.environ.update(saved)

    # -- services -------------------------------------------------------------------------

    def process(self, name: str) -> Process:
        """The process named `name`, or the first instance of the service `name`."""
        for process in self.fleet.processes:
            if name in (process.name, process.service):
                return process
        raise DemoError(f"no process named {name}")

    def services(self) -> list[Process]:
        return [p for p in self.fleet.processes if p.service in SERVICES]

    def instances(self, name: str) -> list[Process]:
        """Every instance of the service, in instance order (one unless --instances)."""
        return self.fleet.instances(name)

    def address(self, name: str) -> str:
        """Where the service's callers reach it: every instance, balanced (one: its own)."""
        return self.demo.addresses[name]

    def kill(self, name: str | Process) -> Process:
        """SIGKILL the service (its first instance, or the instance given): no shutdown,
        nothing flushed. The dead process."""
        process = self.process(name) if isinstance(name, str) else name
        process.popen.kill()
        process.popen.wait(timeout=30)
        return process

    def restart(self, process: Process) -> Process:
        """Start the service again on its address, with its environment and database."""
        return self.fleet.restart(process)

    def pause(self, pid: int) -> None:
        self.paused.add(pid)
        os.kill(pid, signal.SIGSTOP)

    def resume(self, pid: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)
        self.paused.discard(pid)

    def serving(self, process: Process, timeout: float = 1.0) -> bool:
        with grpc.insecure_channel(process.address) as channel:
            try:
                answer = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(), timeout=timeout
                )
            except grpc.RpcError:
                return False
        return bool(answer.status == _SERVING)

    def healthy(self) -> bool:
        """Every service alive and SERVING (its database and broker reachable)."""
        return all(p.alive() and self.serving(p) for p in self.services())

    def wait_healthy(self, timeout: float) -> float:
        """Wait until healthy(); the monotonic time it was (DemoError after `timeout`)."""
        deadline = time.monotonic() + timeout
        while not self.healthy():
            if time.monotonic() > deadline:
                sick = [p.name for p in self.services() if not (p.alive() and self.serving(p))]
                raise DemoError(f"not SERVING {timeout:.0f}s after the fault: {', '.join(sick)}")
            time.sleep(0.25)
        return time.monotonic()

    def dead(self) -> list[str]:
        """Processes of the fleet that stopped by themselves."""
        return [
            f"{p.name} (status {p.popen.poll()})" for p in self.fleet.processes if not p.alive()
        ]

    # -- infrastructure -------------------------------------------------------------------

    def broker(self) -> KafkaProcess:
        """The (first) broker."""
        return self.infra.brokers()[0]

    def brokers(self) -> list[KafkaProcess]:
        """Every broker recorded, in node order (node id = position + 1)."""
        return self.infra.brokers()

    def postgres(self) -> PostgresProcess:
        pids, ports = self.infra.pids(), self.infra.ports()
        brokers = len(self.infra.brokers())
        if len(pids) <= brokers:
            raise DemoError("this run has no PostgreSQL of its own (--sqlite)")
        return PostgresProcess(pid=pids[brokers], port=ports[2 * brokers])

    def infra_up(self) -> None:
        """`mercato infra up` on the run's state directory: whatever is down comes back, on the
        ports it had (a cluster's stopped brokers alone)."""
        self.infra.up(kafka_only=not self.options.postgres, brokers=self.options.brokers)


def _demo(options: WorldOptions, console: Console) -> _Demo:
    """The demo's run, set up as `_Demo.run` sets it up, without marketing or the platform."""
    started = datetime.now(UTC)
    demo = _Demo(
        Options(
            orders=options.orders,
            seed=options.seed,
            shares=Shares(),
            keep_running=False,
            workdir=options.workdir,
            timeout=options.timeout,
            run_id=f"chaos{started.strftime('%Y%m%d%H%M%S')}{secrets.token_hex(2)}",
            marketing=False,
            platform=False,
            carrier_time_scale=options.carrier_time_scale,
            instances=options.instances,
            # Chaos seeds no order left to the deadline: a buyer's refund must not race it
            # when many orders are watched at once.
            auto_confirm_s=60,
        ),
        console,
    )
    demo.base_env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "AUTH_TRUSTED_KEYS"} and not key.endswith("_DATABASE_URL")
    }
    demo.base_env.update(MERCATO_DATA_DIR=str(options.workdir))
    demo.base_env.setdefault("LOG_LEVEL", "INFO")
    # Identity seals its signing keys with this (a Fernet key); the run's own, like its database.
    demo.base_env.setdefault(
        "IDENTITY_KEY_ENCRYPTION_KEY", base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    )
    # Every instance's port, each service's balanced address and the run's channels to them.
    demo.assign_addresses(demo.services)
    return demo
