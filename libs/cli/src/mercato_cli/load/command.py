"""`mercato load`: the whole order-to-cash fabric under an open-loop arrival rate, in steps.

It starts the ecosystem (the demo's launcher: every service its own process, real Kafka, a
database per service), seeds sellers, SKUs with deep stock and buyers (the demo's seeding),
then for each rate of `--rates` offers that many orders per second for `--step-seconds`,
each PlaceOrder started at its scheduled time whatever the earlier ones did, and waits up to
`--drain-seconds` for the step's orders to be paid and posted before the next step. With
`--baseline` it then does the same against the pass-through fabric (the same processes, hops
and topics with no business or database work; `mercato_cli.load.passthrough`) on the same
broker, and prints the ratio.

With `--instances N` (or `--instances-of orders=3,...`) each service of the mercato fabric runs
as N processes (the demo's launcher: one database and consumer groups per service, callers and
the harness balancing gRPC round robin over the instances); the pass-through stays one of each.

Kafka: a broker of its own (`mercato infra`'s launcher, deleted at the end), or with
`--env-infra` the one of `KAFKA_BOOTSTRAP_SERVERS`. Databases: SQLite files in the run's folder
(`--sqlite`), or new PostgreSQL databases (`--postgres`) on a server of its own, or with
`--env-infra` on `DATABASE_URL`'s.

Per step it reports offered and achieved orders/s, paid/s, errors by gRPC code, latency
percentiles (HDR histograms, from each order's scheduled time) of PlaceOrder, of place -> paid
(payments' PaymentCaptured on Kafka) and of place -> ledger-posted (the ledger's consumer group
committed past that event), the backlog (calls unanswered plus orders unpaid) at the step's
middle and end, the consumer lag of every group of the run and each service's outbox depth.
With `--max-in-flight N` orders refuses new orders (RESOURCE_EXHAUSTED, counted among the
errors by code) while N orders are in flight. A step is sustainable when every order was
placed, the backlog did not grow and the p99s of PlaceOrder and place -> paid stayed under
`--slo-ms`; the maximum sustainable rate is the highest such step. A markdown table is
printed; `--out` writes the JSON (and the table beside it, `.md`). Exit 0 when it ran
(whatever it measured), 1 when the fabric could not be started or driven, 2 for bad options,
130 when interrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import grpc
import typer
from rich.console import Console
from rich.live import Live

from mercato_cli.demo.launcher import DemoError, parse_instances, served_counts, stop_on_signals
from mercato_cli.load.driver import StepResult, Watcher, run_step
from mercato_cli.load.report import FabricRun, document, markdown
from mercato_cli.load.topology import Sizes, Target, mercato, passthrough
from mercato_kit.grpc import BALANCING_OPTIONS, channel_target
from mercato_localinfra import InfraError, LocalInfra

__all__ = ["load"]

TOPOLOGIES = ("mercato", "passthrough")


def load(
    rates: str = typer.Option(
        "5,10,20,40", "--rates", help="Offered orders per second, one step each, comma-separated."
    ),
    step_seconds: float = typer.Option(
        30.0, "--step-seconds", min=1, help="How long each step offers orders."
    ),
    drain_seconds: float = typer.Option(
        60.0,
        "--drain-seconds",
        min=0,
        help="After each step, how long to wait for its orders to be paid and posted.",
    ),
    slo_ms: float = typer.Option(
        1000.0, "--slo-ms", min=1, help="The p99 (PlaceOrder, place -> paid) a step must meet."
    ),
    sellers: int = typer.Option(8, "--sellers", min=1, max=200, help="Sellers to seed."),
    products: int = typer.Option(
        3, "--products-per-shop", min=1, max=12, help="Products each seller lists."
    ),
    buyers: int = typer.Option(16, "--buyers", min=1, max=1000, help="Buyers to seed."),
    stock: int = typer.Option(1_000_000, "--stock", min=1, help="Stock of every SKU."),
    postgres: bool = typer.Option(
        True, "--postgres/--sqlite", help="PostgreSQL databases, or an SQLite file per service."
    ),
    topology: str = typer.Option(
        "mercato", "--topology", help=f"The fabric to drive: {' or '.join(TOPOLOGIES)}."
    ),
    baseline: bool = typer.Option(
        False,
        "--baseline",
        help="Drive Mercato, then the pass-through fabric, in the same run, and give the ratio.",
    ),
    own_infra: bool = typer.Option(
        True,
        "--own-infra/--env-infra",
        help="A Kafka broker (and PostgreSQL server) of its own, deleted at the end; or those "
        "of KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL (a shared broker's other traffic and "
        "history then weigh on the figures).",
    ),
    seed: int = typer.Option(7, "--seed", help="Decides the seeded catalogue."),
    instances: int = typer.Option(
        1,
        "--instances",
        min=1,
        max=8,
        help="Processes of each service of the mercato fabric (one database and consumer "
        "groups per service; callers and the harness balance over them).",
    ),
    instances_of: str = typer.Option(
        "",
        "--instances-of",
        help="Processes of particular services, e.g. orders=3,catalog=2 (over --instances).",
    ),
    max_in_flight: Annotated[
        int | None,
        typer.Option(
            "--max-in-flight",
            min=0,
            help="Orders' ORDERS_MAX_IN_FLIGHT: PlaceOrder answers RESOURCE_EXHAUSTED while this "
            "many orders are in flight (0: no limit; default: the environment's, else orders' "
            "own default). Refusals are counted among the errors.",
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the results here as JSON (and .md).")
    ] = None,
    workdir: Annotated[
        Path | None,
        typer.Option("--workdir", help="Logs and SQLite files (default: a new temp folder)."),
    ] = None,
) -> None:
    """Offer orders open-loop at fixed rates in steps to the whole fabric (and to a
    pass-through fabric of the same shape with --baseline): latency percentiles from each
    order's scheduled time, errors, backlog, consumer lag, outbox depth, the maximum
    sustainable rate."""
    console = Console(soft_wrap=True)
    steps = _rates(rates)
    if topology not in TOPOLOGIES:
        raise typer.BadParameter(f"one of {', '.join(TOPOLOGIES)}", param_hint="--topology")
    fabrics = list(TOPOLOGIES) if baseline else [topology]
    settings = {} if max_in_flight is None else {"ORDERS_MAX_IN_FLIGHT": str(max_in_flight)}
    limit = settings.get("ORDERS_MAX_IN_FLIGHT", os.environ.get("ORDERS_MAX_IN_FLIGHT"))
    sizes = Sizes(
        sellers, products, buyers, stock, seed, instances, parse_instances(instances_of), settings
    )
    folder = (workdir or Path(tempfile.mkdtemp(prefix="mercato-load-"))).resolve()
    started = datetime.now(UTC)
    run_id = f"load{started.strftime('%Y%m%d%H%M%S')}{secrets.token_hex(2)}"
    loads = os.getloadavg()
    console.print(
        f"[bold]mercato load[/]: {', '.join(fabrics)}; steps {', '.join(f'{r:g}' for r in steps)}"
        f" orders/s x {step_seconds:g} s; {'PostgreSQL' if postgres else 'SQLite'}; "
        f"{instances} instance(s) of each service; "
        f"orders in flight at most {limit or 'as orders defaults'}; "
        f"load average {loads[0]:.1f}; logs in {folder}"
    )
    runs: list[FabricRun] = []
    options: dict[str, Any] = {
        "rates": steps,
        "step_seconds": step_seconds,
        "drain_seconds": drain_seconds,
        "sellers": sellers,
        "products_per_shop": products,
        "buyers": buyers,
        "stock": stock,
        "backend": "postgresql" if postgres else "sqlite",
        "seed": seed,
        "instances": instances,
        "instances_of": sizes.instances_of,
        "orders_max_in_flight": limit,
        "own_infra": own_infra,
        "logs": str(folder),
    }
    try:
        with stop_on_signals(), _infrastructure(postgres, own_infra, console):
            for name in fabrics:
                run = FabricRun(name)
                runs.append(run)
                with _fabric(name, sizes, folder / name, run_id, console) as target:
                    asyncio.run(
                        _drive(target, run, steps, step_seconds, drain_seconds, slo_ms, console)
                    )
    except KeyboardInterrupt:
        console.print("[yellow]interrupted: every process was stopped[/]")
        raise typer.Exit(code=130) from None
    except (DemoError, InfraError, grpc.RpcError) as error:
        console.print(f"[red]mercato load could not run:[/] {error}")
        console.print(f"logs: {folder}")
        raise typer.Exit(code=1) from None
    table = markdown(runs, slo_ms)
    console.print(table)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(_json(document(runs, slo_ms, options, loads)))
        out.with_suffix(".md").write_text(table + "\n")
        console.print(f"results: {out} and {out.with_suffix('.md')}")


def _json(value: Any) -> str:
    import json

    return json.dumps(value, indent=2) + "\n"


def _rates(text: str) -> list[float]:
    try:
        rates = [float(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise typer.BadParameter("numbers separated by commas", param_hint="--rates") from error
    if not rates or any(rate <= 0 or rate > 10_000 for rate in rates):
        raise typer.BadParameter("each rate above 0 and at most 10000", param_hint="--rates")
    return rates


@contextlib.contextmanager
def _infrastructure(postgres: bool, own: bool, console: Console) -> Iterator[None]:
    """Kafka (and PostgreSQL) of its own, or from the environment; DATABASE_URL unset for
    SQLite (the launcher reads it)."""
    saved = dict(os.environ)
    missing = [
        name
        for name in ("KAFKA_BOOTSTRAP_SERVERS", *(("DATABASE_URL",) if postgres else ()))
        if not os.environ.get(name)
    ]
    if not own and missing:
        raise DemoError(f"--env-infra: {' and '.join(missing)} not set")
    state: Path | None = None
    infra: LocalInfra | None = None
    try:
        if own:
            state = Path(tempfile.mkdtemp(prefix="mercato-load-infra-", dir="/tmp"))
            state.chmod(0o755)  # PostgreSQL's own user must reach its data directory
            infra = LocalInfra(state_dir=state)
            began = time.monotonic()
            endpoints = infra.up(kafka_only=not postgres)
            os.environ["KAFKA_BOOTSTRAP_SERVERS"] = endpoints.kafka_bootstrap_servers
            if endpoints.database_url:
                os.environ["DATABASE_URL"] = endpoints.database_url
            console.print(f"✓ infrastructure of its own up ({time.monotonic() - began:.1f} s)")
        if not postgres:
            os.environ.pop("DATABASE_URL", None)
        yield
    finally:
        if infra is not None:
            infra.down(purge=True)
        if state is not None:
            shutil.rmtree(state, ignore_errors=True)
        os.environ.clear()
        os.environ.update(saved)


def _fabric(
    name: str, sizes: Sizes, folder: Path, run_id: str, console: Console
) -> contextlib.AbstractContextManager[Target]:
    console.rule(name)
    if name == "mercato":
        return mercato(sizes, folder, run_id, console, timeout=300)
    return passthrough(sizes, folder, run_id, console)


async def _drive(
    target: Target,
    run: FabricRun,
    rates: list[float],
    step_seconds: float,
    drain_seconds: float,
    slo_ms: float,
    console: Console,
) -> None:
    watcher = Watcher(
        os.environ["KAFKA_BOOTSTRAP_SERVERS"],
        group_prefixes=target.group_prefixes,
        ledger_prefix=target.ledger_prefix,
        metrics=target.metrics,
    )
    await watcher.start()
    channel = grpc.aio.insecure_channel(
        channel_target(target.orders_address), options=list(BALANCING_OPTIONS)
    )
    before = _served(target, {})
    first = 0
    try:
        with Live(console=console, refresh_per_second=4, transient=True) as live:

            def progress(step: StepResult) -> None:
                live.update(
                    f"{target.name} step {step.number}: {step.rate:g}/s, offered "
                    f"{step.offered}, placed {step.placed}, errors {sum(step.errors.values())}, "
                    f"unpaid {watcher.unpaid()}, unposted {watcher.unposted()}"
                )

            for number, rate in enumerate(rates, start=1):
                target.fleet.check_alive()
                step = await run_step(
                    number,
                    rate,
                    step_seconds,
                    target.specs,
                    channel,
                    watcher,
                    run_key=f"{target.name}-{os.getpid()}",
                    first=first,
                    progress=progress,
                )
                first += step.offered
                run.steps.append(step)
                drained = await _drain(watcher, drain_seconds, functools.partial(progress, step))
                run.drained_s.append(round(drained, 1))
                console.print(_line(step, drained, slo_ms))
        run.note_events(watcher)
        run.processes = _served(target, before)
    finally:
        await channel.close()
        await watcher.close()


def _served(target: Target, before: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each service process's calls answered, events applied and CPU seconds since `before`
    (the same process's figures then; all of them when it has none)."""
    found = {}
    for process in target.fleet.processes:
        if not process.service or process.name not in target.fleet.metrics:
            continue
        now = served_counts(target.fleet.metrics[process.name])
        was = before.get(process.name, {})
        found[process.name] = {
            "service": process.service,
            **{key: round(value - was.get(key, 0), 2) for key, value in now.items()},
        }
    return found


async def _drain(watcher: Watcher, limit: float, tick: Any) -> float:
    """Wait until every order placed so far is posted by the ledger (at most `limit` s)."""
    began = time.monotonic()
    while watcher.unposted() and time.monotonic() - began < limit:
        watcher.check()
        tick()
        await asyncio.sleep(0.25)
    return time.monotonic() - began


def _line(step: StepResult, drained: float, slo_ms: float) -> str:
    p99 = step.latencies.paid.get_value_at_percentile(99) if step.paid_in_step else None
    mark = "✓" if step.sustainable(slo_ms) else "✗"
    errors = sum(step.errors.values())
    return (
        f"{mark} {step.rate:g}/s: offered {step.offered}, placed {step.placed}, errors {errors}, "
        f"achieved {step.achieved:.1f}/s, paid p99 {p99 if p99 is not None else '-'} ms, "
        f"backlog {step.backlog_mid} → {step.backlog_end}, drained in {drained:.1f} s"
    )
