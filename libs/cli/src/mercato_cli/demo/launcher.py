"""The demo's processes: each service (`python -m mercato_cli serve <name>`) and each carrier
simulator its own process, with its own environment, log file and database in the run's folder.

A service may run as several instances (`Fleet.serve_instances`, `--instances N`): each its own
process on its own gRPC and metrics port, all on the service's one database and in its consumer
groups (Kafka splits the partitions between them); the service's callers get one address naming
them all (`balanced_target`: "ipv4:127.0.0.1:P1,127.0.0.1:P2"), over which the kit's channels
balance round robin. One instance is named after its service (`orders`, `orders.log`), several
`orders-1`, `orders-2`... (`Process.service` names the service either way).

A `Fleet` is a context manager: whatever happens inside it (an error, Ctrl-C, SIGTERM), on the
way out it stops every process it started, newest first, with SIGTERM and then SIGKILL after a
grace period. On Linux each child also asks the kernel for SIGTERM should the demo itself die
(PR_SET_PDEATHSIG, before it execs the command), so not even a SIGKILLed demo leaves services
behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy.engine import make_url

from mercato_cli.services import variable_prefix
from mercato_kit.grpc import BALANCING_OPTIONS, channel_target

__all__ = [
    "DemoError",
    "Fleet",
    "NotBuiltError",
    "Process",
    "balanced_target",
    "client_channel",
    "free_address",
    "instance_names",
    "parse_instances",
    "served_counts",
    "stop_on_signals",
    "variable_prefix",
]

NOT_BUILT_EXIT = 2
"""`mercato serve <name>` exits 2 for a service that is not built yet (or a bad setting)."""


class DemoError(RuntimeError):
    """The demo cannot go on; the message says why (and where the logs are)."""


class NotBuiltError(DemoError):
    """`mercato serve <name>` says the service is not built yet."""


_HANDED_OUT: set[int] = set()
"""Ports this process has handed out: the kernel may offer a port again once the probe's socket
is closed, and an ecosystem's addresses are all chosen before its processes bind them."""


def free_address() -> str:
    """A 127.0.0.1 address nothing listens on right now and not handed out before by this
    process (two instances given one port: the second cannot listen)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return f"127.0.0.1:{port}"


def balanced_target(addresses: Sequence[str]) -> str:
    """One address naming every instance of a service, for its callers' `<PEER>_ADDR` variables:
    the address itself for one, a gRPC `ipv4:` target for several (the kit's channels balance
    round robin over it; a plain grpc channel also accepts it and fails over)."""
    if not addresses:
        raise ValueError("a service needs at least one address")
    return channel_target(",".join(addresses)) if len(addresses) > 1 else addresses[0]


def client_channel(address: str) -> grpc.Channel:
    """A synchronous channel to a service (one instance or several: round robin over them)."""
    return grpc.insecure_channel(channel_target(address), options=list(BALANCING_OPTIONS))


def instance_names(service: str, count: int) -> list[str]:
    """The process names of a service's `count` instances: the service's own for one,
    `<service>-1`, `<service>-2`... for several."""
    return [service] if count == 1 else [f"{service}-{n}" for n in range(1, count + 1)]


def parse_instances(text: str) -> dict[str, int]:
    """`--instances-of`'s value ("orders=3,catalog=2") as processes by service; ValueError
    (typer.BadParameter's message) naming what is wrong."""
    import typer  # the CLI's; the launcher itself needs no typer

    from mercato_cli.services import SERVICES

    counts: dict[str, int] = {}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        service, separator, number = part.partition("=")
        service = service.strip()
        if not separator or not number.strip().isdigit() or not 1 <= int(number) <= 8:
            raise typer.BadParameter(
                f"expected service=N (N from 1 to 8), got {part!r}", param_hint="--instances-of"
            )
        if service not in SERVICES:
            raise typer.BadParameter(
                f"{service!r} is not a service ({', '.join(sorted(SERVICES))})",
                param_hint="--instances-of",
            )
        counts[service] = int(number)
    return counts


def served_counts(metrics_address: str) -> dict[str, float]:
    """What a service process served, from its metrics (`mercato_kit.metrics`): gRPC calls
    answered (`rpcs`, health checks and reflection left out), events its consumers applied
    (`events_applied`) and its CPU seconds so far (`cpu_s`, user + system); {} when they cannot
    be read."""
    import urllib.request

    from prometheus_client.parser import text_string_to_metric_families

    try:
        url = f"http://{metrics_address}/metrics"
        with urllib.request.urlopen(url, timeout=5) as answer:
            text = answer.read().decode()
    except OSError:
        return {}
    found = {"rpcs": 0.0, "events_applied": 0.0, "cpu_s": 0.0}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            method = sample.labels.get("method", "")
            if sample.name == "mercato_rpc_duration_seconds_count" and "grpc." not in method:
                found["rpcs"] += sample.value  # not the launcher's health checks
            elif sample.name == "mercato_events_applied_total":
                found["events_applied"] += sample.value
            elif sample.name == "process_cpu_seconds_total":
                found["cpu_s"] += sample.value
    return {key: round(value, 2) if key == "cpu_s" else int(value) for key, value in found.items()}


# Run in the child instead of `python <argv>`: ask the kernel for SIGTERM when the parent dies
# (PR_SET_PDEATHSIG survives exec), give up if it already has, then exec the real command. Not
# a preexec_fn: forking a process whose gRPC threads are running, and running Python in the
# child before exec, can abort the child (gRPC's fork handlers).
_GUARD = """
import ctypes, os, signal, sys
ctypes.CDLL(None).prctl(1, signal.SIGTERM)
if os.getppid() != int(sys.argv[1]):
    sys.exit(1)
os.execv(sys.executable, [sys.executable, *sys.argv[2:]])
"""


@dataclass
class Process:
    """One started child: what it is, its address (services), its log, and what started it
    (its module's argv and its own environment, so `Fleet.restart` can start it again); for a
    service, which service and which of its instances (1, 2...)."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    address: str = ""
    argv: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    service: str = ""
    instance: int = 1

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@dataclass
class Fleet:
    """The demo's running processes, all stopped when the `with` block ends."""

    workdir: Path
    base_env: Mapping[str, str]
    grace: float = 15.0
    processes: list[Process] = field(default_factory=list)
    keep_logs_hint: bool = False
    metrics: dict[str, str] = field(default_factory=dict)
    """Each service process's metrics address (`<SERVICE>_METRICS_ADDR`) by process name (the
    service's name when it runs one instance), for Prometheus."""

    def __enter__(self) -> Fleet:
        self.workdir.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop_all()

    def spawn(
        self, name: str, argv: list[str], env: Mapping[str, str], address: str = ""
    ) -> Process:
        """Start `argv` (a Python module run with this interpreter) with `env` on top of the
        demo's base environment; its output goes to `<workdir>/<name>.log`."""
        log = self.workdir / f"{name}.log"
        full_env = {**self.base_env, **env}
        with log.open("ab") as sink:
            guarded = ["-c", _GUARD, str(os.getpid())] if sys.platform == "linux" else []
            popen = subprocess.Popen(
                [sys.executable, *guarded, *argv],
                env=full_env,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
                start_new_session=True,  # Ctrl-C reaches the demo, which stops them in order
            )
        process = Process(name, popen, log, address, list(argv), dict(env))
        self.processes.append(process)
        return process

    def restart(self, process: Process) -> Process:
        """Start `process` again (it must have stopped) with the same command, environment and
        address, in its place among the fleet's processes; its log goes on in the same file."""
        if process.alive():
            raise DemoError(f"{process.name} is still running (pid {process.popen.pid})")
        index = self.processes.index(process)
        self.processes.remove(process)
        again = self.spawn(process.name, process.argv, process.env, process.address)
        again.service, again.instance = process.service, process.instance
        self.processes.remove(again)
        self.processes.insert(index, again)
        return again

    def serve(
        self,
        service: str,
        env: Mapping[str, str],
        *,
        address: str,
        name: str | None = None,
        instance: int = 1,
    ) -> Process:
        """Start `mercato serve <service>` listening on `address` (`<SERVICE>_GRPC_ADDR`, a
        hyphen made an underscore: `MARKETING_TRAFFIC_GRPC_ADDR`), serving its metrics on a
        free port (`<SERVICE>_METRICS_ADDR`, unless `env` names one) that the run's
        `prometheus-targets.json` lists. `name` (default: the service's) names the process and
        its log; `instance` says which of the service's instances it is."""
        prefix = variable_prefix(service)
        name = name or service
        metrics = env.get(f"{prefix}_METRICS_ADDR") or free_address()
        variables = {**env, f"{prefix}_GRPC_ADDR": address, f"{prefix}_METRICS_ADDR": metrics}
        process = self.spawn(name, ["-m", "mercato_cli", "serve", service], variables, address)
        process.service, process.instance = service, instance
        self.metrics[name] = metrics
        self.write_prometheus_targets()
        return process

    def serve_instances(
        self,
        service: str,
        env: Mapping[str, str],
        *,
        addresses: Sequence[str],
        per_instance: Callable[[int], Mapping[str, str]] | None = None,
        numbers: Sequence[int] | None = None,
    ) -> list[Process]:
        """Start one instance of `service` on each of `addresses` (see `serve`), with `env` (the
        same database and consumer groups for all) and what `per_instance(n)` adds for the n-th
        (from 1: an HTTP face's port, a local store); named as `instance_names` says. Only the
        instances `numbers` names (from 1), when it does: start the first alone and the others
        once it serves, since each instance migrates the database as it starts and two
        migrating at once collide (a real deployment runs migrations as a job first)."""
        names = instance_names(service, len(addresses))
        return [
            self.serve(
                service,
                {**env, **(per_instance(number) if per_instance else {})},
                address=address,
                name=name,
                instance=number,
            )
            for number, (name, address) in enumerate(zip(names, addresses, strict=True), start=1)
            if numbers is None or number in numbers
        ]

    def instances(self, service: str) -> list[Process]:
        """The running fleet's processes of `service`, in instance order."""
        return sorted((p for p in self.processes if p.service == service), key=lambda p: p.instance)

    @property
    def prometheus_targets(self) -> Path:
        """The run's services as Prometheus file_sd targets (see deploy/prometheus)."""
        return self.workdir / "prometheus-targets.json"

    def write_prometheus_targets(self) -> None:
        """List every service's metrics address in `prometheus_targets` (file_sd format)."""
        targets = [
            {"targets": [address], "labels": {"job": "mercato"}}
            for address in self.metrics.values()
        ]
        partial = self.prometheus_targets.with_suffix(".tmp")
        partial.write_text(json.dumps(targets, indent=2) + "\n")
        partial.replace(self.prometheus_targets)  # Prometheus never reads half a file

    def wait_serving(self, process: Process, timeout: float = 120.0) -> None:
        """Wait until the process's gRPC health check answers SERVING.

        Raises NotBuiltError when `mercato serve` says the service is not built yet, DemoError
        (with the end of its log) when it dies or never serves."""
        deadline = time.monotonic() + timeout
        with grpc.insecure_channel(process.address) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            while time.monotonic() < deadline:
                code = process.popen.poll()
                if code is not None:
                    tail = process.log_tail()
                    if code == NOT_BUILT_EXIT and "not built yet" in tail:
                        raise NotBuiltError(f"{process.name} is not built yet")
                    raise DemoError(
                        f"{process.name} exited with status {code}; the end of {process.log}:\n"
                        f"{tail}"
                    )
                with contextlib.suppress(grpc.RpcError):
                    answer = health.Check(health_pb2.HealthCheckRequest(), timeout=1)
                    if answer.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                time.sleep(0.2)
        raise DemoError(
            f"{process.name} did not answer SERVING within {timeout:.0f}s; "
            f"the end of {process.log}:\n{process.log_tail()}"
        )

    def check_alive(self) -> None:
        """Raise DemoError when one of the processes has died."""
        for process in self.processes:
            code = process.popen.poll()
            if code is not None:
                raise DemoError(
                    f"{process.name} stopped unexpectedly (status {code}); the end of "
                    f"{process.log}:\n{process.log_tail()}"
                )

    def stop(self, process: Process) -> int:
        """SIGTERM, then SIGKILL after the grace period; the exit status."""
        if process.alive():
            with contextlib.suppress(ProcessLookupError):
                process.popen.send_signal(signal.SIGTERM)
        try:
            return process.popen.wait(timeout=self.grace)
        except subprocess.TimeoutExpired:
            process.popen.kill()
            return process.popen.wait(timeout=30)

    def stop_all(self) -> dict[str, int]:
        """Stop every process: SIGTERM to all at once (newest first), SIGKILL to the ones still
        running after the grace period. Their exit statuses by name."""
        running = [p for p in reversed(self.processes) if p.alive()]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                process.popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        for process in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.popen.wait(timeout=max(0.0, deadline - time.monotonic()))
        for process in running:
            if process.alive():
                process.popen.kill()
                process.popen.wait(timeout=30)
        statuses = {p.name: p.popen.returncode for p in self.processes}
        self.processes.clear()
        return statuses


def database_url(service: str, workdir: Path, shared: str | None, run_id: str) -> str:
    """The service's database for this run: a new SQLite file in the run's folder, or (when
    `shared` names a PostgreSQL server) a new database `mercato_demo_<run>_<service>` on it."""
    if not shared:
        return f"sqlite:///{workdir / f'{service}.db'}"
    server = make_url(shared)
    return server.set(database=f"mercato_demo_{run_id}_{service}").render_as_string(
        hide_password=False
    )


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into KeyboardInterrupt while the block runs, so the `with Fleet`
    around it stops the services however the demo is stopped."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = {
        signum: signal.signal(signum, interrupt) for signum in (signal.SIGTERM, signal.SIGHUP)
    }
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
