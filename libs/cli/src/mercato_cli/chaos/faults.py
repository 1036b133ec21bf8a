"""The faults chaos injects, one function each: what it does, and the evidence that it happened
(a pid that changed, a port found closed, a call that missed its deadline, a record that reached
a dead-letter topic) — a scenario whose fault left no trace is not counted as survived.

Each takes the world, the scenario's seeded random numbers and the `Fault` it records into;
it returns once the fault has ended (a killed service started again, a broker back), having
called `fault.end()` at that moment: recovery is counted from there.
"""

from __future__ import annotations

import contextlib
import random
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
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
        fault.note("state", _process_state(broker.pid))
        try:
            fetch_metadata(broker.bootstrap_servers, timeout_ms=1000)
            fault.note("metadata_answered", True)
        except Exception:  # any client error: the broker did not answer
            fault.note("metadata_answered", False)
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


def rebalance(rounds: int) -> Any:
    """Rebalance the ledger's consumer group `rounds` times over: start another ledger instance
    (same database, same group), wait until it has joined the group, stop it again (SIGTERM)."""

    def inject(world: World, rng: random.Random, fault: Fault) -> None:
        ledger = world.process("ledger")
        group = f"{ledger.env['LEDGER_CONSUMER_GROUP_PREFIX']}.postings"
        fault.evidence["group"] = group
        for round_ in range(rounds):
            address = free_address()
            extra = world.fleet.spawn(
                f"ledger-extra-{round_ + 1}",
                ["-m", "mercato_cli", "serve", "ledger"],
                {**ledger.env, "LEDGER_GRPC_ADDR": address},
                address,
            )
            try:
                world.fleet.wait_serving(extra)
                fault.injected += 1  # joined: the group rebalances
                fault.note("members", _wait_members(world.kafka, group, at_least=2))
                time.sleep(rng.uniform(0.5, 2.0))
            finally:
                fault.note("stopped_status", world.fleet.stop(extra))
                world.fleet.processes.remove(extra)
            fault.injected += 1  # left: it rebalances again
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
    pid = payments.popen.pid
    began = time.monotonic()
    world.pause(pid)
    fault.injected += 1
    try:
        fault.note("state", _process_state(pid))
        fault.note("probe", _probe(payments.address))
        time.sleep(max(0.0, DEADLINE_S + rng.uniform(1.0, 3.0) - (time.monotonic() - began)))
    finally:
        world.resume(pid)
    fault.end()
    fault.note("stopped_s", round(time.monotonic() - began, 1))


def replay_ledger(world: World, fault: Fault) -> None:
    """After the load: `mercato ledger replay` rebuilds the ledger from offset zero into a fresh
    store and compares every balance and entry with the live one."""
    ledger = world.process("ledger")
    env = {**world.demo.base_env, **ledger.env}
    env.pop("DATABASE_URL", None)
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "mercato_cli", "ledger", "replay"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=Path(world.options.workdir),
    )
    fault.injected += 1
    fault.evidence["replay_s"] = round(time.monotonic() - began, 1)
    fault.evidence["replay"] = [line for line in done.stdout.splitlines() if line][:3]
    if done.returncode != 0:
        fault.violations.append(
            f"mercato ledger replay exited {done.returncode}: "
            + " ".join((done.stdout + done.stderr).split())[-300:]
        )


def _records(bootstrap: str, topic: str) -> int:
    with open_reader(bootstrap) as consumer, contextlib.suppress(CliError):
        return count_records(consumer, [topic])
    return 0


def _wait_members(bootstrap: str, group: str, at_least: int, timeout: float = 30.0) -> int:
    """The group's member count once it reaches `at_least` (or what it is after `timeout`)."""
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="mercato-chaos")
    try:
        deadline = time.monotonic() + timeout
        while True:
            [described] = admin.describe_consumer_groups([group])
            members = len(described.members)
            if members >= at_least or time.monotonic() > deadline:
                return members
            time.sleep(0.5)
    finally:
        admin.close()


def _process_state(pid: int) -> str:
    """The kernel's state letter for the process (T: stopped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "?"
    return stat.rsplit(")", 1)[1].split()[0]


def _probe(address: str) -> str:
    """A health check with a one-second deadline: what a caller of a stopped service sees."""
    with grpc.insecure_channel(address) as channel:
        try:
            health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
        except grpc.RpcError as error:
            return error.code().name if isinstance(error, grpc.Call) else "error"
    return "OK"
