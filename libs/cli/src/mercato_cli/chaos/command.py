"""`mercato chaos`: named faults against an ecosystem of its own, with orders flowing, then
`mercato verify`'s checks.

It starts a Kafka broker (with --brokers 3, a three-broker KRaft cluster) and (unless --sqlite)
a PostgreSQL server of its own in a new state directory, the demo's services (identity, catalog,
payments, logistics, the ledger, orders; with --instances N, N processes of each, their callers
balancing over them) and carrier simulators on free ports, seeds sellers and buyers; then runs
the chosen scenarios one after the other against that one ecosystem, and last `mercato verify`
over the whole run. Every process it started is stopped however it ends (Ctrl-C and SIGTERM
included), and the broker's and the database's data are deleted.

Exit 0 when every scenario's invariants held, 1 when one did not, 2 for bad options, 130 when
interrupted.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from mercato_cli.chaos.cluster import ROLLED
from mercato_cli.chaos.scenarios import (
    ALL_SCENARIOS,
    SCENARIOS,
    Result,
    RunSettings,
    run_scenario_once,
    scenarios,
    verify_all,
)
from mercato_cli.chaos.world import SERVICES, World, WorldOptions
from mercato_cli.demo.launcher import DemoError, stop_on_signals
from mercato_localinfra import InfraError

__all__ = ["chaos"]


def chaos(
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario",
            help=f"A scenario to run (repeatable; default {SCENARIOS[0]}-{SCENARIOS[-1]}): "
            f"{', '.join(ALL_SCENARIOS)}. C1 needs --brokers 3; the long cluster run: "
            "--brokers 3 --instances 2 --scenario C1 --scenario R1 --orders 200.",
        ),
    ] = None,
    orders: int = typer.Option(20, "--orders", min=1, max=2000, help="Orders per scenario."),
    duration: float = typer.Option(
        10.0,
        "--duration",
        min=0,
        help="Seconds over which each scenario's orders are placed; its faults strike within "
        "them (from 30 s on, a repeatable fault strikes more than once).",
    ),
    seed: int = typer.Option(7, "--seed", help="Decides the orders, the moments and the faults."),
    postgres: bool = typer.Option(
        True,
        "--postgres/--sqlite",
        help="A PostgreSQL server of its own (F9 needs it), or an SQLite file per service.",
    ),
    clients: int = typer.Option(4, "--clients", min=1, max=64, help="Concurrent order clients."),
    brokers: int = typer.Option(
        1,
        "--brokers",
        min=1,
        max=5,
        help="Kafka brokers (3: a KRaft cluster, replication 3, min.insync.replicas 2).",
    ),
    instances: int = typer.Option(
        1, "--instances", min=1, max=4, help="Processes per service (the demo's --instances)."
    ),
    roll: str = typer.Option(
        ROLLED, "--roll", help=f"The service R1 restarts ({', '.join(SERVICES)})."
    ),
    timeout: float = typer.Option(
        240, "--timeout", min=10, help="Seconds for the fabric to recover after a fault."
    ),
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write the results here as JSON.")
    ] = None,
    workdir: Annotated[
        Path | None,
        typer.Option("--workdir", help="Logs and SQLite files (default: a new temp folder)."),
    ] = None,
) -> None:
    """Inject named faults (services SIGKILLed, the broker stopped or paused, PostgreSQL
    restarted, rebalances, duplicates, poison, a slow downstream, a ledger rebuild; with
    --brokers 3 --instances 2, C1: the broker leading most partitions stopped while one
    instance of each service is SIGKILLed; R1: a rolling restart of --roll) into an ecosystem
    of its own with orders flowing, and reconcile after each (exit 1 on a violation)."""
    console = Console(soft_wrap=True)
    chosen = _chosen(scenario or list(SCENARIOS))
    if roll not in SERVICES:
        raise typer.BadParameter(
            f"{roll!r} is not a service chaos starts; one of {', '.join(SERVICES)}",
            param_hint="--roll",
        )
    settings = RunSettings(
        orders=orders, duration=duration, seed=seed, timeout=timeout, clients=clients, roll=roll
    )
    catalogue = {s.code: s for s in scenarios(settings)}
    folder = (workdir or Path(tempfile.mkdtemp(prefix="mercato-chaos-"))).resolve()
    options = WorldOptions(
        seed=seed,
        # What the demo's seeding scales with: each SKU gets ten times this in stock (twenty
        # times a scenario's orders: many times what all fourteen take from one SKU), and a
        # small run seeds a few buyers rather than sixteen.
        orders=max(12, 2 * orders),
        postgres=postgres,
        workdir=folder,
        timeout=timeout,
        brokers=brokers,
        instances=instances,
    )
    console.print(
        f"[bold]mercato chaos[/]: {', '.join(chosen)}; {orders} orders each over {duration:g} s, "
        f"seed {seed}, {'PostgreSQL' if postgres else 'SQLite'}, {brokers} broker(s), "
        f"{instances} instance(s) per service; logs in {folder}"
    )
    results: list[Result] = []
    began = time.monotonic()
    try:
        with stop_on_signals(), World.started(options, console) as world:
            for number, code in enumerate(chosen, start=1):
                result = run_scenario_once(world, catalogue[code], number, settings)
                results.append(result)
                _print_progress(console, result)
            results.append(verify_all(world))
    except KeyboardInterrupt:
        console.print("[yellow]interrupted: every process was stopped[/]")
        _write(json_path, results, settings, options, began, interrupted=True)
        raise typer.Exit(code=130) from None
    except (DemoError, InfraError) as error:
        console.print(f"[red]chaos could not run:[/] {error}")
        console.print(f"logs: {folder}")
        _write(json_path, results, settings, options, began, failure=str(error))
        raise typer.Exit(code=1) from None
    console.print(table(results), width=max(console.width, 132))  # a pipe is 80 wide
    _write(json_path, results, settings, options, began)
    if not all(result.held for result in results):
        console.print(f"[red]an invariant did not hold[/]; logs: {folder}")
        raise typer.Exit(code=1)
    console.print(f"[green]every invariant held[/] ({time.monotonic() - began:.0f} s)")


def _chosen(codes: list[str]) -> list[str]:
    chosen: list[str] = []
    for code in codes:
        upper = code.strip().upper()
        if upper not in ALL_SCENARIOS:
            raise typer.BadParameter(
                f"{code!r} is not a scenario; one of {', '.join(ALL_SCENARIOS)}",
                param_hint="--scenario",
            )
        if upper not in chosen:
            chosen.append(upper)
    return chosen


def _print_progress(console: Console, result: Result) -> None:
    if result.skipped:
        console.print(f"- {result.code} {result.title}: skipped ({result.skipped})")
        return
    mark = "✓" if result.held else "[red]✗[/]"
    recovery = "" if result.recovery_s is None else f", recovered in {result.recovery_s:.1f} s"
    first = "" if result.held else f": {result.violations[0]}"
    console.print(
        f"{mark} {result.code} {result.title}: {result.faults} faults, {result.as_seeded}/"
        f"{result.orders} orders as seeded{recovery} ({result.seconds:.0f} s){first}"
    )


def table(results: list[Result]) -> Table:
    """scenario, orders, faults injected, recovery seconds, invariants held."""
    table = Table(title="mercato chaos")
    table.add_column("scenario")
    table.add_column("orders", justify="right")
    table.add_column("faults injected", justify="right")
    table.add_column("recovery s", justify="right")
    table.add_column("invariants held")
    for result in results:
        if result.skipped:
            held = f"skipped: {result.skipped}"
        elif result.held:
            held = "[green]yes[/]"
        else:
            held = f"[red]NO[/]: {'; '.join(result.violations[:2])}"
        table.add_row(
            f"{result.code} {result.title}",
            f"{result.as_seeded}/{result.orders} as seeded" if result.orders else "",
            str(result.faults) if result.code != "all" else "",
            "-" if result.recovery_s is None else f"{result.recovery_s:.1f}",
            held,
        )
    return table


def _write(
    path: Path | None,
    results: list[Result],
    settings: RunSettings,
    options: WorldOptions,
    began: float,
    *,
    interrupted: bool = False,
    failure: str = "",
) -> None:
    if path is None:
        return
    document = {
        "seed": settings.seed,
        "orders_per_scenario": settings.orders,
        "duration_s": settings.duration,
        "backend": "postgresql" if options.postgres else "sqlite",
        "brokers": options.brokers,
        "instances": options.instances,
        "logs": str(options.workdir),
        "seconds": round(time.monotonic() - began, 1),
        "interrupted": interrupted,
        "failure": failure,
        "ok": bool(results) and not failure and not interrupted and all(r.held for r in results),
        "scenarios": [r.as_dict() for r in results],
    }
    path.write_text(json.dumps(document, indent=2))
