"""What a request or a sweep costs against an orders database holding 1k vs 100k orders.

    .venv/bin/python -m bench.bench_orders_scale [--sizes 1000,100000] [--repeats 100]

For each size, a fresh PostgreSQL database on the server of DATABASE_URL (else `mercato infra
up`'s), dropped at the end, migrated as the service migrates it (the kit's tables, then the
orders' chain), is filled with N orders in realistic states, in bulk: one template order per
state is driven through the real domain and saga in memory (the tests' saga world: fake
catalog, payments and logistics), and its events are cloned with new order, buyer and shop ids
and shifted times (each payload re-encoded by the orders' translator), with the summary row the
orders' store would have written (status, and `OrderSaga.schedule` of the clone as of now). The
mix: 80 % completed, 5 % cancelled (stock rejected), 5 % awaiting an answer (the capture left
unanswered; deadlines spread around now), 10 % delivered awaiting the buyer (the auto-confirm
deadline ahead). Orders are spread over N/20 buyers and 50 shops. The relay is taken to have
published the history (the outbox is empty). Then `ANALYZE`, as autovacuum would.

Against that database, each operation `--repeats` times, through the orders' real store code
(`SqlOrdersUnitOfWork`, `SessionOrders`, `SqlOrders`; a cache of one order, so every load is
cold):

- load: `uow.orders.get` of a random order;
- saga step: `SqlOrders.change` with `OrderSaga.handle` of a BuyerConfirmed on a delivered
  order (load, decide, append, summary update, commit: what the runner does per fact);
- sweep pass: `SqlOrders.due(now, SWEEP_BATCH)`, the query the sweep runs each interval;
- saga metrics: `SqlOrders.steps(now)` (the in-flight and overdue gauges);
- buyer page / shop page: a page of 20 ids, then each order loaded, as ListOrders does;
- place: PlaceOrder's write path (the handler `place_order`: instrument kept, order saved;
  commit) of a new order (the catalog's prices given, as the service fetches them before).

Per operation: wall-clock p50/p99 (ms), the bench process's CPU per operation (ms) and SQL
statements per operation; the result is the ratio largest size / smallest size of the p50
(~1.0: nothing grows with the table). Every statement the operations ran is captured with a
SQLAlchemy `before_cursor_execute` listener and `EXPLAIN (ANALYZE, BUFFERS)`'d in a
transaction rolled back (an INSERT, which would collide with the row it wrote, gets its plan
only): the shared buffers each touches (independent of the machine's load) and any `Seq Scan`
on a table of more than 5,000 rows, flagged. The templates come from the tests' saga world
(tests/services/orders/_world.py), so run it from the repository's root.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import random
import re
import statistics
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import create_engine, event, insert, text

from bench._harness import fresh_postgres, infra_endpoints, load, machine
from bench.bench_store import event_row
from mercato_kit.domain import DomainEvent
from mercato_kit.events import EventEnvelope
from mercato_kit.storage import Database, events, migrate, sync_url
from mercato_kit.store import AggregateCache
from mercato_orders.adapters.store import OrderKeeping, order_instruments, order_summaries
from mercato_orders.adapters.translator import OrderTranslator
from mercato_orders.adapters.unit_of_work import SqlOrders, SqlOrdersUnitOfWork
from mercato_orders.application.handlers import place_order
from mercato_orders.application.saga import SWEEP_BATCH
from mercato_orders.bootstrap import MIGRATIONS
from mercato_orders.domain import Order, OrderItem, Parties
from mercato_orders.domain.commands import PlaceOrder
from mercato_orders.domain.saga import BuyerConfirmed, OrderSaga
from tests.services.orders._fakes import APPROVED
from tests.services.orders._world import HANGZHOU, TEA, TIMEOUTS, World, deliver

SHOPS = 50
SCAN_ROWS = 5_000
PAGE = 20
TRANSLATOR = OrderTranslator()


@dataclasses.dataclass(frozen=True)
class Template:
    """One order driven to a state in memory: its events, and its share of the mix."""

    state: str
    events: list[DomainEvent]
    share: float
    recent: timedelta
    """Clones are placed within this long before now."""


async def templates() -> list[Template]:
    async def made(order_id: str, drive: Callable[[World], Awaitable[None]]) -> list[DomainEvent]:
        world = World()
        logging.disable(logging.ERROR)  # the unanswered capture is logged: it is meant
        try:
            await drive(world)
        finally:
            logging.disable(logging.NOTSET)
        return list(world.orders.events[order_id])

    async def completed(world: World) -> None:
        await world.start()
        await deliver(world)
        await world.runner.react(BuyerConfirmed("o-1", world.clock()))

    async def cancelled(world: World) -> None:
        await world.start(quantity=50)

    async def awaiting(world: World) -> None:
        world.faults.unanswered.add("capture")
        await world.start()

    async def delivered(world: World) -> None:
        await world.start()
        await deliver(world)

    return [
        Template("completed", await made("o-1", completed), 0.80, timedelta(days=90)),
        Template("cancelled", await made("o-1", cancelled), 0.05, timedelta(days=90)),
        Template("awaiting an answer", await made("o-1", awaiting), 0.05, timedelta(minutes=30)),
        Template("delivered", await made("o-1", delivered), 0.10, timedelta(days=6)),
    ]


def _clone_value(value: Any, parties: Parties, shift: timedelta) -> Any:
    if isinstance(value, datetime):
        return value + shift
    if isinstance(value, Parties):
        return parties
    return value


def cloned(template: list[DomainEvent], parties: Parties, shift: timedelta) -> list[DomainEvent]:
    """The template's events for another order: its parties, times moved by `shift`."""
    out = []
    for domain_event in template:
        changes = {
            f.name: _clone_value(getattr(domain_event, f.name), parties, shift)
            for f in dataclasses.fields(domain_event)  # type: ignore[arg-type]
        }
        if "order_id" in changes:
            changes["order_id"] = parties.order_id
        out.append(dataclasses.replace(domain_event, **changes))  # type: ignore[type-var]
    return out


def buyer_of(n: int, size: int) -> str:
    return f"buyer-{n % max(1, size // 20)}"


def shop_of(n: int) -> tuple[str, str]:
    return f"shop-{n % SHOPS}", f"seller-{n % SHOPS}"


async def fill(url: str, size: int, saga: OrderSaga, now: datetime, rng: random.Random) -> dict:
    """N orders in bulk; returns the ids by state."""
    shapes = await templates()
    placed_at_t0 = shapes[0].events[0].at  # type: ignore[attr-defined]
    plan: list[tuple[datetime, Template]] = []
    for shape in shapes:
        for _ in range(round(size * shape.share)):
            plan.append((now - shape.recent * rng.random(), shape))
    plan.sort(key=lambda item: item[0])
    engine = create_engine(sync_url(url))
    ids: dict[str, list[str]] = defaultdict(list)
    event_rows: list[dict[str, Any]] = []
    summary_rows: list[dict[str, Any]] = []
    instrument_rows: list[dict[str, Any]] = []

    def flush(connection: Any) -> None:
        for table, rows in (
            (events, event_rows),
            (order_summaries, summary_rows),
            (order_instruments, instrument_rows),
        ):
            if rows:
                connection.execute(insert(table), rows)
                rows.clear()

    try:
        with engine.begin() as connection:
            for n, (placed_at, shape) in enumerate(plan):
                shop, seller = shop_of(n)
                parties = Parties(str(uuid.uuid4()), buyer_of(n, size), seller, shop)
                history = cloned(shape.events, parties, placed_at - placed_at_t0)
                for version, domain_event in enumerate(history, start=1):
                    envelope = EventEnvelope.new(
                        TRANSLATOR.to_payload(domain_event),
                        aggregate_type=Order.aggregate_type,
                        aggregate_id=parties.order_id,
                        aggregate_version=version,
                        producer="orders",
                        occurred_at=domain_event.at,  # type: ignore[attr-defined]
                    )
                    event_rows.append(event_row(envelope))
                order = Order.rehydrate(parties.order_id, history)
                schedule = saga.schedule(order, now)
                summary_rows.append(
                    {
                        "order_id": order.id,
                        "buyer_id": parties.buyer_id,
                        "seller_id": seller,
                        "shop_id": shop,
                        "status": order.status.value,
                        "final": order.status.is_final,
                        "placed_at": placed_at,
                        "version": order.version,
                        "deadline": schedule.deadline,
                        "wake_at": schedule.wake_at,
                        "outstanding": schedule.outstanding,
                    }
                )
                instrument_rows.append({"order_id": order.id, "instrument": APPROVED})
                ids[shape.state].append(order.id)
                if len(event_rows) >= 5_000:
                    flush(connection)
            flush(connection)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
    finally:
        engine.dispose()
    return ids


@dataclasses.dataclass
class Measured:
    wall_ms: list[float]
    cpu_ms: float
    statements: float


class Capture:
    """Statements run on an engine, by the operation running them."""

    def __init__(self, database: Database) -> None:
        self.current = ""
        self.count = 0
        self.seen: dict[str, dict[str, Any]] = {}
        event.listen(database.engine.sync_engine, "before_cursor_execute", self._on)

    def _on(self, _conn: Any, _cursor: Any, statement: str, params: Any, _ctx: Any, many: bool):
        self.count += 1
        if not re.match(r"\s*(SELECT|INSERT|UPDATE|DELETE)", statement, re.I):
            return
        key = f"{self.current}: {statement}"
        if key not in self.seen:
            one = params[0] if many and params else params
            self.seen[key] = {"op": self.current, "statement": statement, "params": one}


async def measure(
    capture: Capture, name: str, repeats: int, operation: Callable[[int], Awaitable[Any]]
) -> Measured:
    capture.current = name
    await operation(-1)  # warm the connection and the statement cache
    before_statements = capture.count
    walls = []
    cpu = time.process_time()
    for i in range(repeats):
        started = time.perf_counter()
        await operation(i)
        walls.append((time.perf_counter() - started) * 1000)
    cpu_ms = (time.process_time() - cpu) * 1000 / repeats
    return Measured(walls, cpu_ms, (capture.count - before_statements) / repeats)


async def bench_size(
    server_url: str, size: int, repeats: int, rng: random.Random
) -> tuple[dict[str, Measured], list[tuple[str, str, str, int, list[str]]], float]:
    with fresh_postgres(server_url, "bench_orders") as url:
        await asyncio.to_thread(migrate, url)
        await asyncio.to_thread(
            migrate, url, versions=MIGRATIONS, version_table="orders_alembic_version"
        )
        now = datetime.now(UTC)
        saga = OrderSaga(TIMEOUTS)
        started = time.perf_counter()
        ids = await fill(url, size, saga, now, rng)
        fill_s = time.perf_counter() - started
        every = [i for state in ids.values() for i in state]
        database = Database(url)
        keeping = OrderKeeping(saga, lambda: datetime.now(UTC), AggregateCache(capacity=1))
        units = partial(SqlOrdersUnitOfWork, database, keeping=keeping)
        orders = SqlOrders(units)
        capture = Capture(database)
        delivered = list(ids["delivered"])
        rng.shuffle(delivered)
        steps = min(repeats, len(delivered) - 1)

        async def load_one(_: int) -> None:
            async with units(read_only=True) as uow:
                await uow.orders.get(rng.choice(every))

        async def step(i: int) -> None:
            order_id = delivered[i + 1]
            fact = BuyerConfirmed(order_id, datetime.now(UTC))
            await orders.change(order_id, lambda order: saga.handle(order, fact))

        async def sweep(_: int) -> None:
            await orders.due(datetime.now(UTC), SWEEP_BATCH)

        async def metrics(_: int) -> None:
            await orders.steps(datetime.now(UTC))

        async def buyer_page(_: int) -> None:
            async with units(read_only=True) as uow:
                page = await uow.orders.buyer_orders(buyer_of(rng.randrange(size), size), PAGE, "")
                [await uow.orders.get(i) for i in page.order_ids]

        async def shop_page(_: int) -> None:
            shop, seller = shop_of(rng.randrange(SHOPS))
            async with units(read_only=True) as uow:
                page = await uow.orders.shop_orders(shop, PAGE, "", seller_id=seller)
                [await uow.orders.get(i) for i in page.order_ids]

        async def place(_: int) -> None:
            command = PlaceOrder(
                order_id=str(uuid.uuid4()),
                buyer_id=buyer_of(rng.randrange(size), size),
                items=[OrderItem("sku-tea", 2)],
                shipping_address=HANGZHOU,
                attribution_token="",
                instrument=APPROVED,
                at=datetime.now(UTC),
            )
            async with units() as uow:
                await place_order(command, uow, catalog={"sku-tea": TEA})
                await uow.commit()

        operations: list[tuple[str, int, Callable[[int], Awaitable[Any]]]] = [
            ("load an order (cold)", repeats, load_one),
            ("saga step (BuyerConfirmed: load, decide, append, commit)", steps, step),
            ("sweep pass (due query)", repeats, sweep),
            ("saga metrics (steps query)", repeats, metrics),
            (f"buyer's page ({PAGE} ids + loads)", max(1, repeats // 5), buyer_page),
            (f"shop's page ({PAGE} ids + loads)", max(1, repeats // 5), shop_page),
            ("place (PlaceOrder's write path)", repeats, place),
        ]
        results: dict[str, Measured] = {}
        try:
            for name, count, operation in operations:
                results[name] = await measure(capture, name, count, operation)
        finally:
            await database.dispose()
        plans = await asyncio.to_thread(explain, url, capture.seen.values())
    return results, plans, fill_s


def explain(url: str, seen: Any) -> list[tuple[str, str, str, int, list[str]]]:
    """(op, statement, plan summary, shared buffers, seq scans on big tables) per statement."""
    engine = create_engine(sync_url(url))
    out = []
    try:
        with engine.connect() as connection:
            sizes = {
                row.relname: int(row.reltuples)
                for row in connection.execute(
                    text("SELECT relname, reltuples FROM pg_class WHERE relkind = 'r'")
                )
            }
            connection.rollback()
            for item in seen:
                # An INSERT replayed would collide with the row it wrote: its plan only.
                analyze = not re.match(r"\s*INSERT", item["statement"], re.I)
                options = "(ANALYZE, BUFFERS) " if analyze else ""
                transaction = connection.begin()
                try:
                    plan = [
                        row[0]
                        for row in connection.exec_driver_sql(
                            f"EXPLAIN {options}{item['statement']}", item["params"] or {}
                        )
                    ]
                finally:
                    transaction.rollback()
                buffers = 0
                for line in plan[:3]:
                    found = re.search(r"Buffers: shared (?:hit=(\d+))?\s*(?:read=(\d+))?", line)
                    if found:
                        buffers = sum(int(g) for g in found.groups() if g)
                        break
                nodes = [
                    re.sub(r"\s+\(cost.*", "", line).strip(" ->")
                    for line in plan
                    if "(cost=" in line
                ]
                scans = [
                    table
                    for table in re.findall(r"Seq Scan on (\w+)", "\n".join(plan))
                    if sizes.get(table, 0) > SCAN_ROWS
                ]
                out.append((item["op"], item["statement"], "; ".join(nodes), buffers, scans))
    finally:
        engine.dispose()
    return out


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def print_report(runs: dict[int, tuple[dict, list]], base: int, top: int) -> None:
    """The markdown tables of a run: each operation at the smallest and largest size, then
    the buffers of every statement explained at both."""
    print(
        f"\n| operation | p50 ms {base:,} | p50 ms {top:,} | ratio p50 | p99 ms {base:,} "
        f"| p99 ms {top:,} | CPU ms/op {base:,} | CPU ms/op {top:,} | ratio CPU | statements/op |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, small in runs[base][0].items():
        big = runs[top][0][name]
        p50s, p50b = statistics.median(small.wall_ms), statistics.median(big.wall_ms)
        print(
            f"| {name} | {p50s:.2f} | {p50b:.2f} | {p50b / p50s:.2f} "
            f"| {percentile(small.wall_ms, 0.99):.2f} | {percentile(big.wall_ms, 0.99):.2f} "
            f"| {small.cpu_ms:.2f} | {big.cpu_ms:.2f} | {big.cpu_ms / small.cpu_ms:.2f} "
            f"| {big.statements:.1f} |"
        )
    print(f"\n#### EXPLAIN (ANALYZE, BUFFERS): shared buffers per statement, {base:,} vs {top:,}\n")
    print("| operation | statement | plan | buffers | buffers | seq scan > 5k rows |")
    print("|---|---|---|---|---|---|")
    small_buffers = {(op, st): b for op, st, _, b, _ in runs[base][1]}
    for op, statement, nodes, buffers, scans in runs[top][1]:
        short = " ".join(statement.split())[:90].replace("|", "\\|")
        print(
            f"| {op} | `{short}` | {nodes} | {small_buffers.get((op, statement), '-')} "
            f"| {buffers} | {'**' + ', '.join(scans) + '**' if scans else 'none'} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,100000", help="orders in the database")
    parser.add_argument("--repeats", type=int, default=100, help="operations measured per kind")
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    _, server_url = infra_endpoints()
    rng = random.Random(args.seed)
    print(f"machine: {machine()}; PostgreSQL; {load()} at start")
    print(
        f"command: .venv/bin/python -m bench.bench_orders_scale --sizes {args.sizes} "
        f"--repeats {args.repeats}\n"
    )
    runs = {}
    for size in sizes:
        results, plans, fill_s = asyncio.run(bench_size(server_url, size, args.repeats, rng))
        runs[size] = (results, plans)
        print(f"- {size:,} orders filled in {fill_s:.1f} s; {load()}")
    print_report(runs, sizes[0], sizes[-1])
    print(f"\n{load()} at end")


if __name__ == "__main__":
    main()
