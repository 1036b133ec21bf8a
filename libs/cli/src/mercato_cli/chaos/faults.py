"""The faults chaos injects, one function each: what it does, and the evidence that it happened
(a pid that changed, a port found closed, a call that missed its deadline, a record that reached
a dead-letter topic) — a scenario whose fault left no trace is not counted as survived.

Each takes the world, the scenario's seeded random numbers and the `Fault` it records into;
it returns once the fault has ended (a killed service started again, a broker back), having
called `fault.end()` at that moment: recovery is counted from there.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import threading
import time
import uuid
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import typer
from grpc_health.v1 import health_pb2, health_pb2_grpc

from mercato_cli.chaos.world import World
from mercato_cli.demo.launcher import free_address
from mercato_cli.events import CliError, count_records, open_reader, read_partitions
from mercato_kit.events import dlq_topic, topic_for
from mercato_localinfra import fetch_metadata

__all__ = [
    "DEADLINE_S",
    "Fault",
    "duplicate_envelopes",
    "kill_service",
    "pause_broker",
    "poison",
    "process_state",
    "rebalance",
    "replay_ledger",
    "restart_broker",
    "restart_postgres",
    "slow_downstream",
]

DEADLINE_S = 10.0
"""The deadline of the order saga's calls to catalog, payments and logistics (orders'
adapters/gateways.py): a downstream stopped for longer makes them miss it."""
POISON = b"\x00chaos: not an event envelope"


@dataclass
class Fault:
    """What a scenario's faults did: how many were injected, when the last one ended, the
    evidence, and anything they found wrong on their own (a broker back on another address)."""

    injected: int = 0
    ended: float = 0.0
    evidence: dict[str, Any] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)

    def end(self) -> None:
        self.ended = time.monotonic()

    def note(self, key: str, value: Any) -> None:
        """Evidence that repeats (one per injection) is kept as a list."""
        self.evidence.setdefault(key, []).append(value)


def kill_service(name: str) -> Any:
    """SIGKILL the service at the moment chosen, leave it dead a seeded while, start it again
    on its address (what an orchestrator does)."""

    def inject(world: World, rng: random.Random, fault: Fault) -> None:
        dead = world.kill(name)
        fault.injected += 1
        fault.note("killed_pid", dead.popen.pid)
        fault.note("exit_status", dead.popen.returncode)
        time.sleep(rng.uniform(0.5, 2.0))
        again = world.restart(dead)
        fault.end()
        fault.note("restarted_pid", again.popen.pid)
        world.fleet.wait_serving(again)

    return inject


def restart_broker(world: World, rng: random.Random, fault: Fault) -> None:
    """Stop the broker (SIGTERM, a clean shutdown), leave it down a seeded while, and bring it
    back with `mercato infra up` on the same state directory."""
    before = world.broker()
    world.infra.kafka.stop(before)
    fault.injected += 1
    fault.note("broker_down", not world.infra.kafka.alive(before))
    time.sleep(rng.uniform(1.0, 3.0))
    world.infra_up()
    after = world.broker()
    fault.end()
    fault.note("pids", [before.pid, after.pid])
    fault.note("address", [before.bootstrap_servers, after.bootstrap_servers])
    if after.port != before.port:
        fault.violations.append(
            f"the broker came back on {after.bootstrap_servers}, not {before.bootstrap_servers}"
        )


def pause_broker(world: World, rng: random.Random, fault: Fault) -> None:
    """SIGSTOP the broker for a seeded 4-8 s (its port stays open: clients connect and wait),
    then SIGCONT."""
    broker = world.broker()
    began = time.monotonic()
    world.pause(broker.pid)
    fault.injected += 1
    try:
        fault.note("state", process_state(broker.pid))
        fault.note("metadata_answered", _answers(broker.bootstrap_servers, within=3.0))
        time.sleep(max(0.0, rng.uniform(4.0, 8.0) - (time.monotonic() - began)))
    finally:
        world.resume(broker.pid)
    fault.end()
    fault.note("paused_s", round(time.monotonic() - began, 1))


def restart_postgres(world: World, rng: random.Random, fault: Fault) -> None:
    """Stop PostgreSQL (fast shutdown: open transactions rolled back, connections cut), leave it
    down a seeded while, and bring it back with `mercato infra up` (same port)."""
    before = world.postgres()
    world.infra.postgres.stop(before)
    fault.injected += 1
    fault.note("postgres_down", not world.infra.postgres.alive(before))
    time.sleep(rng.uniform(0.5, 2.0))
    world.infra_up()
    after = world.postgres()
    fault.end()
    fault.note("pids", [before.pid, after.pid])
    if after.port != before.port:
        fault.violations.append(f"PostgreSQL came back on port {after.port}, not {before.port}")


def rebalance(extra: int) -> Any:
    """Rebalance the ledger's consumer group 2 x `extra` times: start `extra` more ledger
    instances at once (same database, same group; they boot side by side), wait until every
    one has joined the group, then stop them (SIGTERM) one after the other, a seeded while
    apart. Each join and each leave is a rebalance."""

    def inject(world: World, rng: random.Random, fault: Fault) -> None:
        ledger = world.process("ledger")
        group = f"{ledger.env['LEDGER_CONSUMER_GROUP_PREFIX']}.postings"
        fault.evidence["group"] = group
        started = []
        try:
            for number in range(1, extra + 1):
                address = free_address()
                env = {
                    **ledger.env,
                    "LEDGER_GRPC_ADDR": address,
                    "LEDGER_METRICS_ADDR": free_address(),
                }
                argv = ["-m", "mercato_cli", "serve", "ledger"]
                started.append(world.fleet.spawn(f"ledger-extra-{number}", argv, env, address))
            for instance in started:
                world.fleet.wait_serving(instance)
                fault.injected += 1  # joined: the group rebalances
            fault.note("members", _wait_members(world.kafka, group, at_least=1 + extra))
        finally:
            for left, instance in enumerate(started, start=1):
                time.sleep(rng.uniform(0.5, 2.0))
                fault.note("stopped_status", world.fleet.stop(instance))
                world.fleet.processes.remove(instance)
                fault.injected += 1  # left: it rebalances again
                remaining = 1 + len(started) - left
                fault.note("members", _wait_members(world.kafka, group, at_most=remaining))
        fault.end()

    return inject


def duplicate_envelopes(count: int) -> Any:
    """Produce again, as they are (key, value, headers), `count` records already in the orders
    and payments topics, chosen by the seed: at-least-once delivery at its worst."""

    def inject(world: World, rng: random.Random, fault: Fault) -> None:
        from kafka import KafkaProducer

        topics = [topic_for("payments.payment"), topic_for("orders.order")]
        with open_reader(world.kafka) as consumer:
            records = list(read_partitions(consumer, topics))
        records.sort(key=lambda r: (r.topic, r.partition, r.offset))
        chosen = rng.sample(records, k=min(count, len(records)))
        producer = KafkaProducer(bootstrap_servers=world.kafka, acks="all")
        try:
            for record in chosen:
                producer.send(
                    record.topic,
                    key=record.key,
                    value=record.value,
                    headers=list(record.headers or []),
                )
            producer.flush(timeout=30)
        finally:
            producer.close()
        fault.injected += len(chosen)
        fault.end()
        fault.evidence["duplicated"] = len(chosen)
        fault.evidence["of_records"] = len(records)

    return inject


def poison(world: World, rng: random.Random, fault: Fault) -> None:
    """Produce a record that is no event envelope to the payments topic (which the ledger and
    the order saga consume): each must dead-letter it and go on."""
    from kafka import KafkaProducer

    topic = topic_for("payments.payment")
    fault.evidence["topic"] = topic
    fault.evidence["dead_letters_before"] = _records(world.kafka, dlq_topic(topic))
    producer = KafkaProducer(bootstrap_servers=world.kafka, acks="all")
    try:
        key = str(uuid.UUID(int=rng.getrandbits(128))).encode()
        producer.send(topic, key=key, value=POISON)
        producer.flush(timeout=30)
    finally:
        producer.close()
    fault.injected += 1
    fault.end()


def poison_dead_lettered(world: World, fault: Fault, timeout: float = 60.0) -> None:
    """After the load: the poison reached the dead-letter topic."""
    dead = dlq_topic(fault.evidence["topic"])
    before = fault.evidence["dead_letters_before"]
    deadline = time.monotonic() + timeout
    while (now := _records(world.kafka, dead)) <= before and time.monotonic() < deadline:
        time.sleep(0.5)
    fault.evidence["dead_letters_after"] = now
    if now <= before:
        fault.violations.append(f"the poison never reached {dead}")


def slow_downstream(world: World, rng: random.Random, fault: Fault) -> None:
    """Payments stops answering (SIGSTOP) for longer than the saga's call deadline, so captures
    in flight miss it and are sent again, then it answers again (SIGCONT)."""
    payments = world.process("payments")
    saga_log = world.process("orders").log
    logged = saga_log.stat().st_size
    pid = payments.popen.pid
    began = time.monotonic()
    world.pause(pid)
    fault.injected += 1
    try:
        fault.note("state", process_state(pid))
        fault.note("probe", _probe(payments.address))
        time.sleep(max(0.0, DEADLINE_S + rng.uniform(1.0, 3.0) - (time.monotonic() - began)))
    finally:
        world.resume(pid)
    fault.end()
    fault.note("stopped_s", round(time.monotonic() - began, 1))
    with saga_log.open("rb") as log:  # the saga's own account of the calls that missed it
        log.seek(logged)
        fault.note("saga_deadlines_missed", log.read().count(b"DEADLINE_EXCEEDED"))


def replay_ledger(world: World, fault: Fault) -> None:
    """After the load: `mercato ledger replay` rebuilds the ledger from offset zero into a fresh
    store and compares every balance and entry with the live one (run in this process, as the
    demo runs it, with the ledger's settings)."""
    from mercato_cli.app import app  # chaos is one of app's commands: imported when run

    ledger = world.process("ledger")
    saved = dict(os.environ)
    os.environ.update(ledger.env)
    os.environ.pop("DATABASE_URL", None)
    said = io.StringIO()
    began = time.monotonic()
    try:
        with contextlib.redirect_stdout(said):
            code = typer.main.get_command(app).main(
                ["ledger", "replay"], prog_name="mercato", standalone_mode=False
            )
    except typer.Exit as exit_:
        code = exit_.exit_code
    finally:
        os.environ.clear()
        os.environ.update(saved)
    fault.injected += 1
    fault.evidence["replay_s"] = round(time.monotonic() - began, 1)
    fault.evidence["replay"] = [line for line in said.getvalue().splitlines() if line][:3]
    if code:
        fault.violations.append(
            f"mercato ledger replay exited {code}: " + " ".join(said.getvalue().split())[-300:]
        )


def _records(bootstrap: str, topic: str) -> int:
    with open_reader(bootstrap) as consumer, contextlib.suppress(CliError):
        return count_records(consumer, [topic])
    return 0


def _wait_members(
    bootstrap: str,
    group: str,
    at_least: int = 0,
    at_most: int = 1_000_000,
    timeout: float = 30.0,
) -> int:
    """The group's member count once it is within [at_least, at_most] (or what it is after
    `timeout`)."""
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="mercato-chaos")
    try:
        deadline = time.monotonic() + timeout
        while True:
            members = len(admin.describe_groups([group])[group]["members"])
            if at_least <= members <= at_most or time.monotonic() > deadline:
                return members
            time.sleep(0.5)
    finally:
        admin.close()


def process_state(pid: int, expect: str = "T", within: float = 2.0) -> str:
    """The kernel's state letter for the process (T: stopped), once it is `expect` (a signal
    is delivered asynchronously) or after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return "?"
        state = stat.rsplit(")", 1)[1].split()[0]
        if state == expect or time.monotonic() > deadline:
            return state
        time.sleep(0.05)


def _answers(bootstrap: str, within: float) -> bool:
    """Whether the broker answers a metadata request within `within` seconds (the client is
    left to give up by itself in a thread of its own: its constructor does not time out)."""
    asked: Future[list[str]] = Future()

    def ask() -> None:
        try:
            asked.set_result(fetch_metadata(bootstrap, timeout_ms=int(within * 1000)))
        except Exception as error:  # any client error: no answer
            asked.set_exception(error)

    threading.Thread(target=ask, name="chaos-probe", daemon=True).start()
    try:
        asked.result(timeout=within)
    except Exception:  # timed out, or the client gave up
        return False
    return True


def _probe(address: str) -> str:
    """A health check with a one-second deadline: what a caller of a stopped service sees."""
    with grpc.insecure_channel(address) as channel:
        try:
            health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
        except grpc.RpcError as error:
            return error.code().name if isinstance(error, grpc.Call) else "error"
    return "OK"
