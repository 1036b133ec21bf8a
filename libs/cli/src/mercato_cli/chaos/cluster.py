"""The faults of a deployment past one machine: a Kafka cluster losing the broker that leads
most of Mercato's partitions while one instance of every service is SIGKILLed (C1), and a
rolling restart of one service, instance by instance, with SIGTERM (R1).

Like the faults in `faults`, each records the evidence that it happened (a pid gone, the
leadership moved to the brokers left, an exit status, the drained shutdown in the log) and
calls `fault.end()` once everything it stopped runs again.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from typing import Any

from mercato_cli.chaos.faults import Fault, process_state
from mercato_cli.chaos.world import SERVICES, World
from mercato_cli.events import count_records, open_reader

__all__ = ["DRAINED", "ROLLED", "leader_broker_stopped", "rolling_restart"]

ROLLED = "orders"
"""The service R1 restarts unless told otherwise: the one the buyers call."""
DRAINED = ("grpc server draining in-flight calls", "consumer.stopped", "service stopped")
"""What the kit's runtime logs on a graceful stop, in this order: calls drained, consumers
stopped after their last transaction (positions committed with it), the process done."""


def leader_broker_stopped(world: World, rng: random.Random, fault: Fault) -> None:
    """Stop (SIGTERM) the broker that leads most of Mercato's partitions, wait until every
    partition it led has a leader among the others; meanwhile SIGKILL one instance of every
    service and start each again (on its address, against the cluster one broker short);
    last, bring the broker back (`mercato infra up` restarts only the stopped node)."""
    before = leaders(world.kafka)
    ids = broker_ids(world.kafka)
    [(node, _)] = Counter(before.values()).most_common(1)
    [victim] = [broker for broker in world.brokers() if broker.port == ids[node]]
    fault.evidence.update(
        partitions=len(before),
        stopped_node=node,
        led_by_node=dict(sorted(Counter(before.values()).items())),
    )
    topics = sorted({partition.rsplit("/", 1)[0] for partition in before})
    written = _written(world.kafka, topics)
    world.infra.kafka.stop(victim)
    fault.injected += 1
    fault.evidence["broker_pid"] = victim.pid
    state = process_state(victim.pid, expect="?")
    fault.evidence["broker_state"] = state
    # "?": no such process any more; "Z": exited, only awaiting its parent's wait.
    fault.evidence["broker_gone"] = state in {"?", "Z"}
    if not fault.evidence["broker_gone"]:
        fault.violations.append(f"broker {node} (pid {victim.pid}) still runs: state {state}")
    after = _moved(world.kafka, node, before, timeout=world.options.timeout / 4)
    # In sync: enough replicas for an acks=all write (min.insync.replicas 2) on every one.
    fault.evidence["fewest_in_sync"] = min(in_sync(world.kafka).values(), default=0)
    moved = [p for p, leader in before.items() if leader == node]
    fault.evidence["moved"] = len(moved)
    fault.evidence["still_led_by_stopped"] = sum(after.get(p) == node for p in moved)
    fault.evidence["leaderless"] = sum(after.get(p, -1) < 0 for p in before)
    fault.evidence["led_after"] = dict(sorted(Counter(after.values()).items()))
    if fault.evidence["still_led_by_stopped"] or fault.evidence["leaderless"]:
        fault.violations.append(
            f"leadership did not move off broker {node}: {fault.evidence['led_after']}"
        )
    _kill_one_of_each(world, rng, fault)
    # What the services produced (acks=all) from the broker's stop until it is brought back
    # (its leadership moves first thing in its shutdown): the kit's producer working,
    # unchanged, with the cluster a broker short.
    fault.evidence["records_while_down"] = _written(world.kafka, topics) - written
    world.infra_up()
    [back] = [broker for broker in world.brokers() if broker.port == victim.port]
    fault.end()
    fault.evidence["broker_pids"] = [victim.pid, back.pid]


def _kill_one_of_each(world: World, rng: random.Random, fault: Fault) -> None:
    victims = [rng.choice(world.instances(name)) for name in SERVICES]
    for victim in victims:
        world.kill(victim)
        fault.injected += 1
        fault.note("killed", victim.name)
        fault.note("killed_service", victim.service)
        fault.note("killed_pid", victim.popen.pid)
        fault.note("exit_status", victim.popen.returncode)
    time.sleep(rng.uniform(0.5, 2.0))
    again = [world.restart(victim) for victim in victims]
    for process in again:
        fault.note("restarted_pid", process.popen.pid)
    for process in again:
        world.fleet.wait_serving(process)


def rolling_restart(service: str) -> Any:
    """Restart every instance of `service` in turn, as a deploy does: SIGTERM one, wait for it
    to exit, start its replacement on the same address, wait until it is SERVING, then the
    next. The exit status and the log of its stop are the evidence of a graceful one."""

    def inject(world: World, rng: random.Random, fault: Fault) -> None:
        _roll(world, service, rng, fault)

    return inject


def _roll(world: World, service: str, rng: random.Random, fault: Fault) -> None:
    for instance in list(world.instances(service)):
        logged = instance.log.stat().st_size
        status = world.fleet.stop(instance)  # SIGTERM (SIGKILL only past the fleet's grace)
        fault.injected += 1
        fault.note("stopped", instance.name)
        fault.note("stopped_pid", instance.popen.pid)
        fault.note("exit_status", status)
        with instance.log.open("rb") as log:
            log.seek(logged)
            said = log.read().decode(errors="replace")
        fault.note("drained", _in_order(said, DRAINED))
        again = world.restart(instance)
        fault.note("started_pid", again.popen.pid)
        world.fleet.wait_serving(again)
        time.sleep(rng.uniform(0.2, 1.0))  # orders flow through the new instance a while
    fault.end()


def _in_order(text: str, lines: tuple[str, ...]) -> bool:
    position = 0
    for line in lines:
        position = text.find(line, position)
        if position < 0:
            return False
    return True


def _written(bootstrap: str, topics: list[str]) -> int:
    with open_reader(bootstrap) as consumer:
        return count_records(consumer, topics)


def leaders(bootstrap: str) -> dict[str, int]:
    """The leader's node id of every partition of the cluster's own topics (`topic/partition`;
    -1: no leader)."""
    return {key: int(partition["leader_id"]) for key, partition in _partitions(bootstrap)}


def in_sync(bootstrap: str) -> dict[str, int]:
    """How many replicas of every partition of the cluster's own topics are in sync."""
    return {key: len(partition["isr_nodes"]) for key, partition in _partitions(bootstrap)}


def _partitions(bootstrap: str) -> list[tuple[str, dict[str, Any]]]:
    """Every partition of the topics that are not Kafka's own (`__consumer_offsets`...), as the
    cluster's metadata describes it, keyed `topic/partition`."""
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="mercato-chaos")
    try:
        names = [name for name in admin.list_topics() if not name.startswith("__")]
        return [
            (f"{topic['name']}/{partition['partition_index']}", partition)
            for topic in admin.describe_topics(names)
            for partition in topic["partitions"]
        ]
    finally:
        admin.close()


def broker_ids(bootstrap: str) -> dict[int, int]:
    """The running brokers' node ids and client ports."""
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="mercato-chaos")
    try:
        return {
            int(broker["broker_id"]): int(broker["port"])
            for broker in admin.describe_cluster()["brokers"]
        }
    finally:
        admin.close()


def _moved(bootstrap: str, node: int, before: dict[str, int], timeout: float) -> dict[str, int]:
    """The leaders once none of `before`'s partitions is led by `node` or leaderless (or what
    they are after `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            now = leaders(bootstrap)
        except Exception:  # a client caught by the broker's departure: ask again
            now = {}
        settled = now and all(now.get(p, -1) not in (node, -1) for p in before)
        if settled or time.monotonic() > deadline:
            return now
        time.sleep(0.5)
