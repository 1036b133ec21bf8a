"""The fourteen scenarios and how one runs: a seeded batch of orders flows (placed by concurrent
clients that retry UNAVAILABLE with the same idempotency key), the fault strikes at seeded
moments while it does, then chaos waits until every service is SERVING again and every order
of the batch is final, and reconciles with `mercato verify`'s checks.

    recovery = (every service SERVING and every order final) - (the end of the last fault)
"""

from __future__ import annotations

import contextlib
import random
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import grpc
from rich.console import Console

from mercato_cli.chaos import cluster, faults
from mercato_cli.chaos.faults import Fault
from mercato_cli.chaos.world import Retrying, World
from mercato_cli.demo.launcher import DemoError
from mercato_cli.demo.scenario import (
    Outcome,
    Shares,
    plan_orders,
    run_scenario,
    status_name,
)
from mercato_cli.verify import Finding, Scope, run_checks

__all__ = [
    "ALL_SCENARIOS",
    "CLUSTER_SCENARIOS",
    "SCENARIOS",
    "Result",
    "RunSettings",
    "Scenario",
    "run_scenario_once",
    "verify_all",
]

SHARES = Shares(decline=0.2, loss=0.2, refund=0.2, auto=0.0)
"""Every fate but the auto-confirm deadline (a wait of its own): declined, lost, refunded,
confirmed. Four orders meet one of each."""
Inject = Callable[[World, random.Random, Fault], None]
After = Callable[[World, Fault], None]


@dataclass(frozen=True)
class RunSettings:
    orders: int
    """Orders per scenario."""
    duration: float
    """Seconds over which each scenario's orders are placed; the faults strike within them."""
    seed: int
    timeout: float
    """Seconds for the fabric to recover and every order to be final."""
    clients: int = 4
    roll: str = cluster.ROLLED
    """The service R1 restarts instance by instance."""

    @property
    def repeats(self) -> int:
        """How many times a repeatable fault strikes in one scenario: once in a short run,
        up to three times in a long one."""
        return max(1, min(3, int(self.duration // 15)))


@dataclass(frozen=True)
class Scenario:
    code: str
    title: str
    inject: Inject | None
    after: After | None = None
    repeatable: bool = False
    needs_postgres: bool = False
    needs_brokers: int = 1
    """The fewest brokers it can run with (a cluster scenario: 3)."""
    every_order_as_seeded: bool = False
    """An order that did not end as seeded is a violation of the row (besides verify's
    checks, which hold whatever the orders' ends)."""


def scenarios(settings: RunSettings) -> list[Scenario]:
    extra = max(2, settings.repeats * 2)
    return [
        Scenario("F1", "SIGKILL orders", faults.kill_service("orders"), repeatable=True),
        Scenario("F2", "SIGKILL payments", faults.kill_service("payments"), repeatable=True),
        Scenario("F3", "SIGKILL catalog", faults.kill_service("catalog"), repeatable=True),
        Scenario("F4", "SIGKILL logistics", faults.kill_service("logistics"), repeatable=True),
        Scenario("F5", "SIGKILL ledger", faults.kill_service("ledger"), repeatable=True),
        Scenario("F6", "SIGKILL identity", faults.kill_service("identity"), repeatable=True),
        Scenario("F7", "broker stopped, restarted on its address", faults.restart_broker),
        Scenario("F8", "broker paused (SIGSTOP/SIGCONT)", faults.pause_broker),
        Scenario("F9", "PostgreSQL restarted", faults.restart_postgres, needs_postgres=True),
        Scenario(
            "F10",
            f"ledger group rebalanced {2 * extra}x ({extra} instances added, removed)",
            faults.rebalance(extra),
        ),
        Scenario(
            "F11",
            "duplicate envelopes re-produced",
            faults.duplicate_envelopes(max(5, settings.orders)),
            repeatable=True,
        ),
        Scenario("F12", "poison record injected", faults.poison, after=faults.poison_dead_lettered),
        Scenario(
            "F13",
            f"slow downstream: payments stopped past the {faults.DEADLINE_S:.0f}s deadline",
            faults.slow_downstream,
        ),
        Scenario("F14", "ledger rebuilt from offset zero", None, after=faults.replay_ledger),
        Scenario(
            "C1",
            "leading broker stopped + one instance of each service SIGKILLed",
            cluster.leader_broker_stopped,
            needs_brokers=3,
            every_order_as_seeded=True,
        ),
        Scenario(
            "R1",
            f"rolling restart of {settings.roll} (SIGTERM each instance in turn)",
            cluster.rolling_restart(settings.roll),
            every_order_as_seeded=True,
        ),
    ]


_CATALOGUE = tuple(s.code for s in scenarios(RunSettings(1, 0, 0, 0)))
CLUSTER_SCENARIOS = ("C1", "R1")
"""A deployment past one machine's faults: run when named (C1 needs --brokers 3)."""
SCENARIOS = tuple(code for code in _CATALOGUE if code not in CLUSTER_SCENARIOS)
"""What runs when none is named: the faults of one broker and one instance per service."""
ALL_SCENARIOS = _CATALOGUE


@dataclass
class Result:
    """One scenario's row of the table (and its entry in --json)."""

    code: str
    title: str
    orders: int = 0
    as_seeded: int = 0
    faults: int = 0
    recovery_s: float | None = None
    held: bool = False
    violations: list[str] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    answers: dict[str, int] = field(default_factory=dict)
    """What the load's clients were answered, by status code (retries included)."""
    findings: list[dict[str, Any]] = field(default_factory=list)
    skipped: str = ""
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Load:
    """One batch of orders flowing in a thread of its own; when it was all final."""

    def __init__(self, world: World, scenario: Scenario, number: int, settings: RunSettings):
        self.interceptor = Retrying(budget=settings.timeout / 2)
        self.channel = grpc.intercept_channel(world.demo.channels["orders"], self.interceptor)
        self.planned = plan_orders(
            settings.seed * 1000 + number,
            settings.orders,
            len(world.buyers),
            [len(seller.skus) for seller in world.sellers],
            SHARES,
        )
        self.world, self.settings = world, settings
        self.run_key = f"{world.run_key}-{scenario.code}"
        self.finished = 0.0
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"load-{scenario.code}")
        self._future: Future[list[Outcome]] | None = None

    def start(self) -> None:
        self._future = self._pool.submit(self._run)

    def _run(self) -> list[Outcome]:
        outcomes = run_scenario(
            self.channel,
            self.planned,
            self.world.buyers,
            self.world.sellers,
            run_key=self.run_key,
            console=Console(quiet=True),
            timeout=self.settings.timeout,
            check_alive=self._check_stopping,  # chaos kills services on purpose: not checked
            placers=self.settings.clients,
            spread=self.settings.duration,
        )
        self.finished = time.monotonic()
        return outcomes

    def stop(self) -> None:
        """Give up at once: no call retried, the watch ended (the run is being stopped)."""
        self.interceptor.stopping.set()

    def _check_stopping(self) -> None:
        if self.interceptor.stopping.is_set():
            raise DemoError("the load was stopped")

    def wait(self) -> list[Outcome]:
        assert self._future is not None
        try:
            return self._future.result()
        finally:
            self._pool.shutdown(wait=True)


def run_scenario_once(
    world: World, scenario: Scenario, number: int, settings: RunSettings
) -> Result:
    """Run one scenario against the running world; its result (never raises for what the
    fabric did: a failure is a violation of the row)."""
    result = Result(scenario.code, scenario.title, orders=settings.orders)
    if scenario.needs_postgres and not world.options.postgres:
        result.skipped = "needs PostgreSQL (run with --postgres)"
        result.held = True
        return result
    if world.options.brokers < scenario.needs_brokers:
        result.skipped = f"needs a cluster (run with --brokers {scenario.needs_brokers})"
        result.held = True
        return result
    began = time.monotonic()
    rng = random.Random(f"chaos:{settings.seed}:{scenario.code}")
    fault = Fault()
    load = _Load(world, scenario, number, settings)
    moments = sorted(
        rng.uniform(0.15, 0.6) * settings.duration
        for _ in range(settings.repeats if scenario.repeatable else 1)
    )
    load.start()
    outcomes: list[Outcome] = []
    try:
        outcomes = _run(world, scenario, settings, fault, load, moments, rng, result)
    except Exception as error:  # the row says what broke; the next scenario still runs
        result.violations.append(f"{type(error).__name__}: {_describe(error)}")
        _log_error(world, scenario.code, error)
        if not outcomes:
            with contextlib.suppress(Exception):  # its failure, if any, is the one above
                outcomes = load.wait()
    except BaseException:  # Ctrl-C, SIGTERM: the load's thread must not outlive the run
        load.stop()
        with contextlib.suppress(Exception):
            load.wait()
        raise
    result.faults = fault.injected
    result.evidence = fault.evidence
    result.violations += fault.violations
    result.violations += [f"{name} stopped by itself" for name in world.dead()]
    result.answers = dict(sorted(load.interceptor.answers.items()))
    if internal := load.interceptor.answers.get("INTERNAL", 0):
        result.violations.append(f"the load's clients were answered INTERNAL {internal}x")
    result.as_seeded = sum(o.as_planned for o in outcomes)
    if scenario.every_order_as_seeded and result.as_seeded < settings.orders:
        astray = [o for o in outcomes if not o.as_planned]
        result.violations.append(
            f"{settings.orders - result.as_seeded} of {settings.orders} orders did not end as "
            "seeded: "
            + ", ".join(
                f"{o.order_id} ({status_name(o.status)}, seeded {o.planned.fate}: {o.reason})"
                for o in astray[:3]
            )
        )
    if scenario.inject is not None and not fault.injected:
        result.violations.append("no fault was injected")
    result.held = not result.violations
    result.seconds = round(time.monotonic() - began, 1)
    return result


def _run(
    world: World,
    scenario: Scenario,
    settings: RunSettings,
    fault: Fault,
    load: _Load,
    moments: list[float],
    rng: random.Random,
    result: Result,
) -> list[Outcome]:
    """The faults at their moments, the recovery, the checks; the batch's outcomes."""
    began = time.monotonic()
    if scenario.inject is not None:
        for moment in moments:
            time.sleep(max(0.0, began + moment - time.monotonic()))
            scenario.inject(world, rng, fault)
    healthy = world.wait_healthy(settings.timeout)
    outcomes = load.wait()
    if fault.ended:
        result.recovery_s = round(max(healthy, load.finished) - fault.ended, 1)
    if scenario.after is not None:
        scenario.after(world, fault)
    findings = _checks(world, Scope(order_ids=frozenset(o.order_id for o in outcomes)))
    result.findings = [_finding(f) for f in findings]
    result.violations += [f"{f.check}: {v}" for f in findings for v in f.violations]
    return outcomes


def verify_all(world: World) -> Result:
    """Every check over everything the run did (all scenarios' orders)."""
    result = Result("all", "mercato verify over the whole run")
    try:
        findings = _checks(world, Scope())
        result.findings = [_finding(f) for f in findings]
        result.violations = [f"{f.check}: {v}" for f in findings for v in f.violations]
    except Exception as error:
        result.violations.append(f"{type(error).__name__}: {_describe(error)}")
        _log_error(world, "all", error)
    result.held = not result.violations
    return result


def _log_error(world: World, code: str, error: BaseException) -> None:
    """The whole traceback, for whoever reads the run's folder (the row has its first line)."""
    with (world.options.workdir / "chaos-errors.log").open("a") as log:
        log.write(f"--- {code}\n")
        log.write("".join(traceback.format_exception(error)))


def _checks(world: World, scope: Scope) -> list[Finding]:
    return run_checks(
        world.kafka,
        world.address("ledger"),
        world.address("catalog"),
        world.operator.metadata,
        settle=60,
        group_prefixes=[],
        scope=scope,
    )


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "check": finding.check,
        "checked": finding.checked,
        "violations": finding.violations,
        "note": finding.note,
    }


def _describe(error: BaseException) -> str:
    if isinstance(error, grpc.RpcError) and isinstance(error, grpc.Call):
        return f"{error.code().name}: {error.details()}"
    return str(error).splitlines()[0] if str(error) else repr(error)
