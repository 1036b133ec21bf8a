"""What catalog's, payments', the ledger's and logistics' requests and sweeps cost against
databases holding 1k vs 100k orders' worth of history (issue 16, item 5).

    .venv/bin/python -m bench.bench_services_scale [--sizes 1000,100000] [--repeats 100]
        [--services catalog,payments,ledger]      (or any of those and logistics)

The method is bench_orders_scale's: for each size and service, a fresh PostgreSQL database on
the server of DATABASE_URL (else `mercato infra up`'s), dropped at the end, migrated as the
service migrates it (the kit's chain, then the service's), filled in bulk with the history N
orders leave behind, then `VACUUM ANALYZE` (what autovacuum does to a table that only grew);
each operation runs `--repeats` times through the service's real code: its gRPC servicer
called directly with a caller bound (translator, `run_once`, handlers, repositories; not the
wire or the edge's interceptors), its periodic task, or its metrics' query.

What N orders leave behind:

- catalog: 50 open shops of 20 products with 2 SKUs each (created through the repositories,
  which do not grow with orders), N reservations (88 % committed, 5 % released, 5 % expired,
  1 % rejected, 1 % held and not yet due: the orders in flight) and the idempotency keys of
  their ReserveStock and CommitReservation calls (2N); the outbox published (empty).
- payments: N payments, event-sourced as the service writes them (each order's `Payment` driven
  through the real domain and encoded by payments' translator): 85 % captured and released,
  5 % captured and refunded in full, 10 % captured and held in escrow; their idempotency keys
  (CapturePayment, ReleaseEscrow: 2N); one seller payable per 50 orders (20 at 1k, 2,000 at
  100k), 80 % of them paid out to zero.
- ledger: the journal those orders' events post (the real `BulkJournal` chaining the real
  postings of each fact: capture, processing fee, release or refund, the orders' paid and
  completed/refunded milestones), an ad click per four orders against 20 advertisers' deposited
  budgets, a payout to a seller every 500 orders; 50 sellers (2,000 orders each at 100k).
- logistics: N shipments, event-sourced with their summaries (each `Shipment` driven through
  the real domain: 95 % delivered, 4 % cancelled, 1 % lost), spread by weight over four
  carriers, plus 30 created or in transit at every size (the orders in flight); the keys of
  their CreateShipment calls.

Per operation: wall-clock p50/p99 (ms), the bench process's CPU per operation (ms) and SQL
statements per operation; the ratio largest ÷ smallest size. Every statement is captured with
a SQLAlchemy `before_cursor_execute` listener and `EXPLAIN (ANALYZE, BUFFERS)`'d in a rolled-back
transaction (an INSERT gets its plan only): the shared buffers it touches and any `Seq Scan` on
a table of more than 5,000 rows, flagged. Run it from the repository's root (it reuses
bench_orders_scale's measuring code).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import hashlib
import random
import re
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, delete, insert, text

from bench._harness import fresh_postgres, infra_endpoints, load, machine
from bench.bench_orders_scale import (
    SCAN_ROWS,
    Capture,
    Measured,
    measure,
    print_report,
)
from bench.bench_store import event_row
from mercato.catalog.v1 import catalog_service_pb2 as catalog_api
from mercato.common.v1.money_pb2 import Money as MoneyMessage
from mercato.ledger.v1 import ledger_pb2 as ledger_api
from mercato.logistics.v1 import shipment_pb2 as logistics_api
from mercato.orders.v1 import events_pb2 as orders_events
from mercato.payments.v1 import payments_pb2 as payments_api
from mercato_catalog.adapters.tables import reservations
from mercato_catalog.adapters.unit_of_work import SqlCatalogUnitOfWork
from mercato_catalog.bootstrap import MIGRATIONS as CATALOG_MIGRATIONS
from mercato_catalog.domain import Product, Shop, SkuSpec, Tier
from mercato_catalog.entrypoints.expiry import ReservationSweeper
from mercato_catalog.entrypoints.grpc_api import CatalogService
from mercato_kit.auth import Caller, bind_caller
from mercato_kit.consumer import ConsumedRecord
from mercato_kit.events import EventEnvelope, topic_for
from mercato_kit.idempotency import caller_scope
from mercato_kit.logging import configure_logging
from mercato_kit.money import Money
from mercato_kit.storage import Database, idempotency_keys, migrate, outbox, sync_url
from mercato_kit.storage import events as events_table
from mercato_ledger.adapters.journal import BulkJournal, write_rows
from mercato_ledger.adapters.tables import MIGRATIONS as LEDGER_MIGRATIONS
from mercato_ledger.adapters.unit_of_work import LedgerUnitOfWork
from mercato_ledger.domain import (
    AdClicked,
    BudgetDeposited,
    EscrowReleased,
    OrderFact,
    OrderMilestone,
    PaymentCaptured,
    PayoutSent,
    ProcessingFeeCharged,
    RefundIssued,
    Source,
    lines_for,
)
from mercato_ledger.domain.journal import Posting
from mercato_ledger.entrypoints.audit import RunningAudit
from mercato_ledger.entrypoints.consumer import post_event
from mercato_ledger.entrypoints.grpc_api import LedgerService
from mercato_logistics.adapters.index import shipment_summaries
from mercato_logistics.adapters.translator import ShipmentTranslator
from mercato_logistics.adapters.unit_of_work import SqlLogisticsUnitOfWork
from mercato_logistics.application.shipments import shipment_id_for
from mercato_logistics.bootstrap import MIGRATIONS as LOGISTICS_MIGRATIONS
from mercato_logistics.domain import CarrierRule, CarrierRules, Destination, Parcel, Shipment
from mercato_logistics.entrypoints.grpc_api import ShipmentService
from mercato_payments.adapters.payables import seller_payables
from mercato_payments.adapters.provider import APPROVED, SimulatedPaymentProvider
from mercato_payments.adapters.translator import PaymentsTranslator
from mercato_payments.adapters.unit_of_work import SqlPaymentsUnitOfWork
from mercato_payments.bootstrap import MIGRATIONS as PAYMENTS_MIGRATIONS
from mercato_payments.domain import ChargeOutcome, OrderTerms, Payment, Tariff
from mercato_payments.entrypoints.grpc_api import PaymentService

CNY = "CNY"
SHOPS, PRODUCTS_PER_SHOP = 50, 20
SELLERS = 50
ADVERTISERS = 20
HOLD_FOR = timedelta(minutes=15)
TARIFF = Tariff({"standard": 500, "flagship": 300}, processing_fee_bps=60)
WORDS = ["tea", "silk", "jade", "porcelain", "bamboo", "lacquer", "paper", "fan", "kite", "ink"]
Operation = tuple[str, int, Callable[[int], Awaitable[Any]]]
Plan = tuple[str, str, str, int, list[str]]


def caller(subject: str, *, scopes: tuple[str, ...] = (), roles: tuple[str, ...] = ()) -> Caller:
    """The verified caller the edge would bind (a service's or an operator's token)."""
    return Caller(
        subject=subject,
        kind="account",
        roles=frozenset(roles),
        scopes=frozenset(scopes),
        token_id=str(uuid.uuid4()),
        expires_at=datetime.now(UTC) + timedelta(days=1),
    )


def money(minor_units: int) -> MoneyMessage:
    return MoneyMessage(currency=CNY, minor_units=minor_units)


def key_rows(scope: str, count: int, at: datetime, size: int = 160) -> Iterator[dict[str, Any]]:
    """`count` idempotency keys of one command, answered (a stored response of `size` bytes)."""
    for n in range(count):
        yield {
            "scope": scope,
            "key": str(uuid.uuid4()),
            "request_hash": hashlib.sha256(str(n).encode()).hexdigest(),
            "response": bytes(size),
            "created_at": at - timedelta(seconds=n),
        }


class Bulk:
    """Rows for a few tables, inserted 5,000 at a time on one connection."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self._rows: dict[Any, list[dict[str, Any]]] = defaultdict(list)

    def add(self, table: Any, row: dict[str, Any]) -> None:
        rows = self._rows[table]
        rows.append(row)
        if len(rows) >= 5_000:
            self._connection.execute(insert(table), rows)
            rows.clear()

    def flush(self) -> None:
        for table, rows in self._rows.items():
            if rows:
                self._connection.execute(insert(table), rows)
                rows.clear()


@contextmanager
def bulk(url: str) -> Iterator[Bulk]:
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as connection:
            rows = Bulk(connection)
            yield rows
            rows.flush()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()


def mix(size: int, shares: list[tuple[str, float]], rng: random.Random) -> list[str]:
    states = [state for state, share in shares for _ in range(round(size * share))]
    rng.shuffle(states)
    return states


# --- catalog -----------------------------------------------------------------------------------


@dataclass
class CatalogWorld:
    shops: list[str]
    products: list[str]
    skus: list[tuple[str, str]]
    """(sku_id, product_id)."""


async def fill_catalog(url: str, size: int, rng: random.Random) -> CatalogWorld:
    database = Database(url)
    now = datetime.now(UTC)
    world = CatalogWorld([], [], [])
    try:
        async with SqlCatalogUnitOfWork(database) as uow:
            for s in range(SHOPS):
                shop = Shop.open(
                    str(uuid.uuid4()), f"seller-{s}", f"Shop {s}", "", Tier.STANDARD_BOOTH, now
                )
                await uow.shops.add(shop)
                world.shops.append(shop.id)
                for p in range(PRODUCTS_PER_SHOP):
                    title = f"{WORDS[p % len(WORDS)]} {WORDS[(s + p) % len(WORDS)]} {s}-{p}"
                    skus = [
                        (str(uuid.uuid4()), SkuSpec(code, (), _cny(1_000 + 10 * p), 10**9))
                        for code in ("a", "b")
                    ]
                    product = Product.list(
                        str(uuid.uuid4()), shop, title, f"A {title}.", (), skus, now
                    )
                    await uow.products.add(product)
                    world.products.append(product.id)
                    world.skus += [(sku_id, product.id) for sku_id, _ in skus]
            await uow.session.execute(delete(outbox))  # the relay has published them
            await uow.commit()
    finally:
        await database.dispose()
    versions = {"committed": 2, "released": 2, "expired": 2, "rejected": 1, "held": 1}
    shares = [("committed", 0.88), ("released", 0.05), ("expired", 0.05)]
    shares += [("rejected", 0.01), ("held", 0.01)]
    orders_caller = caller("orders", scopes=("catalog:reserve",))
    with bulk(url) as rows:
        for state in mix(size, shares, rng):
            sku_id, product_id = rng.choice(world.skus)
            created = now - timedelta(days=90) * rng.random() if state != "held" else now
            rows.add(
                reservations,
                {
                    "reservation_id": str(uuid.uuid4()),
                    "order_id": str(uuid.uuid4()),
                    "status": state,
                    "lines": f'[["{sku_id}","{product_id}",2]]',
                    "shortages": "[]"
                    if state != "rejected"
                    else f'[["{sku_id}",2,0,"insufficient_stock"]]',
                    "created_at": created,
                    "expires_at_ms": int((created + HOLD_FOR).timestamp() * 1000),
                    "correlation_id": uuid.uuid4().hex,
                    "version": versions[state],
                },
            )
        for command in ("catalog.ReserveStock", "catalog.CommitReservation"):
            for row in key_rows(caller_scope(command, orders_caller), size, now):
                rows.add(idempotency_keys, row)
    return world


async def catalog_operations(
    database: Database, world: CatalogWorld, repeats: int, rng: random.Random
) -> list[Operation]:
    units = partial(SqlCatalogUnitOfWork, database)
    service = CatalogService(units, hold_for=HOLD_FOR)
    sweeper = ReservationSweeper(units)
    orders_caller = caller("orders", scopes=("catalog:reserve",))
    reserved: list[str] = []

    async def get_product(_: int) -> None:
        await service.GetProduct(
            catalog_api.GetProductRequest(product_id=rng.choice(world.products)), None
        )

    async def get_shop(_: int) -> None:
        await service.GetShop(catalog_api.GetShopRequest(shop_id=rng.choice(world.shops)), None)

    async def shop_page(_: int) -> None:
        request = catalog_api.ListShopProductsRequest(shop_id=rng.choice(world.shops))
        await service.ListShopProducts(request, None)

    async def search(_: int) -> None:
        request = catalog_api.SearchProductsRequest(query=rng.choice(WORDS), in_stock=True)
        await service.SearchProducts(request, None)

    async def reserve(_: int) -> None:
        order_id = str(uuid.uuid4())
        picked = rng.sample(world.skus, 2)
        lines = [catalog_api.ReserveLine(sku_id=sku, quantity=2) for sku, _ in picked]
        request = catalog_api.ReserveStockRequest(
            idempotency_key=str(uuid.uuid4()), order_id=order_id, lines=lines
        )
        with bind_caller(orders_caller):
            await service.ReserveStock(request, None)
        reserved.append(order_id)

    async def commit(_: int) -> None:
        request = catalog_api.CommitReservationRequest(
            idempotency_key=str(uuid.uuid4()), order_id=reserved.pop()
        )
        with bind_caller(orders_caller):
            await service.CommitReservation(request, None)

    async def release(_: int) -> None:
        request = catalog_api.ReleaseReservationRequest(
            idempotency_key=str(uuid.uuid4()), order_id=reserved.pop()
        )
        with bind_caller(orders_caller):
            await service.ReleaseReservation(request, None)

    async def sweep(_: int) -> None:
        await sweeper.sweep()

    async def held(_: int) -> None:
        async with units(read_only=True) as uow:
            await uow.reservations.held()

    return [
        ("catalog: GetProduct", repeats, get_product),
        ("catalog: GetShop", repeats, get_shop),
        ("catalog: ListShopProducts (20)", repeats, shop_page),
        ("catalog: SearchProducts (a word, in stock; 20)", repeats, search),
        ("catalog: ReserveStock (2 lines)", 2 * repeats + 2, reserve),
        ("catalog: CommitReservation", repeats, commit),
        ("catalog: ReleaseReservation", repeats, release),
        ("catalog: reservation-expiry sweep (nothing due)", repeats, sweep),
        ("catalog: reservations-held gauge", repeats, held),
    ]


# --- payments ----------------------------------------------------------------------------------


@dataclass
class PaymentsWorld:
    completed: list[str]


def payment_of(order_id: str, state: str, seller: str, amount: int) -> Payment:
    payment = Payment(order_id)
    terms = OrderTerms(f"buyer-{order_id[:4]}", seller, f"shop-{seller}", "standard", _cny(amount))
    payment.record_charge(terms, ChargeOutcome.approved(f"ch-{order_id}"), TARIFF)
    if state == "completed":
        payment.release_escrow()
    elif state == "refunded":
        payment.refund(str(uuid.uuid4()), None, "lost in transit")
    return payment


def _cny(minor_units: int) -> Money:
    return Money(minor_units=minor_units, currency=CNY)


async def fill_payments(url: str, size: int, rng: random.Random) -> PaymentsWorld:
    translator = PaymentsTranslator()
    now = datetime.now(UTC)
    world = PaymentsWorld([])
    sellers = max(SELLERS, size // 50)
    shares = [("completed", 0.85), ("refunded", 0.05), ("captured", 0.10)]
    capture_caller = caller("orders", scopes=("payments:capture",))
    with bulk(url) as rows:
        for state in mix(size, shares, rng):
            order_id = str(uuid.uuid4())
            at = now - timedelta(days=90) * rng.random()
            payment = payment_of(order_id, state, f"seller-{rng.randrange(sellers)}", 20_000)
            for version, event in enumerate(payment.pending_events(), start=1):
                envelope = EventEnvelope.new(
                    translator.to_payload(event),
                    aggregate_type=Payment.aggregate_type,
                    aggregate_id=order_id,
                    aggregate_version=version,
                    producer="payments",
                    occurred_at=at,
                )
                rows.add(events_table, event_row(envelope))
            if state == "completed":
                world.completed.append(order_id)
        for command in ("payments.CapturePayment", "payments.ReleaseEscrow"):
            for row in key_rows(caller_scope(command, capture_caller), size, now):
                rows.add(idempotency_keys, row)
        for s in range(sellers):
            balance = 0 if rng.random() < 0.8 else rng.randrange(1, 10**6)
            row = {"seller_id": f"seller-{s}", "currency": CNY, "balance_minor": balance}
            rows.add(seller_payables, row | {"updated_at": now})
    return world


async def payments_operations(
    database: Database, world: PaymentsWorld, repeats: int, rng: random.Random
) -> list[Operation]:
    units = partial(SqlPaymentsUnitOfWork, database)
    service = PaymentService(units, SimulatedPaymentProvider(1.0), TARIFF, provider_timeout=3.0)
    capture_caller = caller("orders", scopes=("payments:capture",))
    operator = caller("operator-1", roles=("operator",), scopes=("payments:payout",))
    captured: list[str] = []  # by the CapturePayment operation, for ReleaseEscrow and refunds

    async def capture(_: int) -> None:
        order_id = str(uuid.uuid4())
        request = payments_api.CapturePaymentRequest(
            idempotency_key=str(uuid.uuid4()),
            order_id=order_id,
            buyer_id=str(uuid.uuid4()),
            seller_id=str(uuid.uuid4()),
            shop_id=str(uuid.uuid4()),
            shop_tier=payments_api.SHOP_TIER_STANDARD,
            amount=money(20_000),
            instrument=APPROVED,
        )
        with bind_caller(capture_caller):
            await service.CapturePayment(request, None)
        captured.append(order_id)

    async def release(_: int) -> None:
        request = payments_api.ReleaseEscrowRequest(
            idempotency_key=str(uuid.uuid4()), order_id=captured.pop()
        )
        with bind_caller(capture_caller):
            await service.ReleaseEscrow(request, None)

    async def refund(_: int) -> None:
        request = payments_api.RefundPaymentRequest(
            idempotency_key=str(uuid.uuid4()),
            order_id=captured.pop(),
            refund_id=str(uuid.uuid4()),
            amount=money(5_000),
            reason="damaged",
        )
        with bind_caller(capture_caller):
            await service.RefundPayment(request, None)

    async def get(_: int) -> None:
        request = payments_api.GetPaymentRequest(order_id=rng.choice(world.completed))
        with bind_caller(operator):
            await service.GetPayment(request, None)

    async def payout(_: int) -> None:
        request = payments_api.RunPayoutBatchRequest(
            idempotency_key=str(uuid.uuid4()),
            batch_id=str(uuid.uuid4()),
            currency=CNY,
            max_payouts=100,
        )
        with bind_caller(operator):
            await service.RunPayoutBatch(request, None)

    async def payable(_: int) -> None:
        request = payments_api.GetSellerPayableRequest(seller_id=f"seller-{rng.randrange(50)}")
        with bind_caller(operator):
            await service.GetSellerPayable(request, None)

    return [
        ("payments: CapturePayment (new order)", 2 * repeats + 2, capture),
        ("payments: ReleaseEscrow", repeats, release),
        ("payments: RefundPayment (partial)", repeats, refund),
        ("payments: GetPayment", repeats, get),
        ("payments: RunPayoutBatch (max 100)", max(2, repeats // 10), payout),
        ("payments: GetSellerPayable", repeats, payable),
    ]


# --- ledger ------------------------------------------------------------------------------------

_TYPES = {
    PaymentCaptured: "mercato.payments.v1.PaymentCaptured",
    ProcessingFeeCharged: "mercato.payments.v1.ProcessingFeeCharged",
    EscrowReleased: "mercato.payments.v1.EscrowReleased",
    RefundIssued: "mercato.payments.v1.RefundIssued",
    PayoutSent: "mercato.payments.v1.PayoutSent",
    BudgetDeposited: "mercato.payments.v1.BudgetDeposited",
    AdClicked: "mercato.marketing.v1.AdClicked",
    OrderFact: "mercato.orders.v1.OrderMilestone",
}


class Offsets:
    def __init__(self) -> None:
        self._next: dict[str, int] = defaultdict(int)

    def source(self, fact: Any, at: datetime) -> Source:
        topic = "mercato.marketing.click" if isinstance(fact, AdClicked) else "money"
        offset = self._next[topic]
        self._next[topic] += 1
        return Source(str(uuid.uuid4()), _TYPES[type(fact)], topic, 0, offset, at)


@dataclass
class LedgerWorld:
    sellers: list[str]
    orders: list[str]


async def fill_ledger(url: str, size: int, rng: random.Random) -> LedgerWorld:
    now = datetime.now(UTC)
    journal = BulkJournal()
    offsets = Offsets()
    sellers = [str(uuid.uuid4()) for _ in range(SELLERS)]
    advertisers = [str(uuid.uuid4()) for _ in range(ADVERTISERS)]
    owed: dict[str, int] = defaultdict(int)
    world = LedgerWorld([], [])
    start = now - timedelta(days=90)
    step = timedelta(days=90) / max(1, size)

    async def post(fact: Any, at: datetime) -> None:
        source = offsets.source(fact, at)
        if isinstance(fact, OrderFact):
            await journal.record_milestone(source, fact)
        else:
            await journal.append(Posting(source, lines_for(fact)))

    database = Database(url)
    try:
        for advertiser in advertisers:
            await post(BudgetDeposited(advertiser, _cny(10**9)), start)
        shares = [("completed", 0.85), ("refunded", 0.05), ("captured", 0.10)]
        for n, state in enumerate(mix(size, shares, rng)):
            at = start + step * n
            order, seller = str(uuid.uuid4()), rng.choice(sellers)
            amount = _cny(20_000)
            await post(PaymentCaptured(order, amount), at)
            await post(ProcessingFeeCharged(_cny(120)), at)
            await post(OrderFact(order, OrderMilestone.PAID, amount), at)
            if state == "completed":
                commission, net = _cny(1_000), _cny(19_000)
                await post(EscrowReleased(order, seller, amount, commission, net), at)
                await post(OrderFact(order, OrderMilestone.COMPLETED, amount), at)
                owed[seller] += net.minor_units
                if seller not in world.sellers:
                    world.sellers.append(seller)
            elif state == "refunded":
                await post(RefundIssued(order, amount), at)
                await post(OrderFact(order, OrderMilestone.REFUNDED, amount), at)
            if n % 4 == 0:
                click = AdClicked(rng.choice(advertisers), "pub-1", _cny(50), _cny(30), _cny(20))
                await post(click, at)
            if n % 500 == 499:
                paid = rng.choice(sellers)
                if owed[paid]:
                    await post(PayoutSent(paid, _cny(owed.pop(paid))), at)
            world.orders.append(order)
            if n % 2_000 == 1_999:
                async with database.transaction() as session:
                    await write_rows(session, journal.take())
        async with database.transaction() as session:
            await write_rows(session, journal.take())
    finally:
        await database.dispose()
    engine = create_engine(sync_url(url))
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()
    return world


def payment_event(order_id: str, n: int) -> tuple[EventEnvelope, ConsumedRecord]:
    """A PaymentCaptured as payments publishes it, and the record that carried it."""
    envelope = EventEnvelope.new(
        payments_api.PaymentCaptured(
            order_id=order_id,
            buyer_id=str(uuid.uuid4()),
            seller_id=str(uuid.uuid4()),
            amount=money(20_000),
            commission_rate_bps=500,
            attempt=1,
        ),
        aggregate_type="payments.payment",
        aggregate_id=order_id,
        aggregate_version=1,
        producer="payments",
    )
    topic = topic_for("payments.payment")
    return envelope, ConsumedRecord(topic, 0, 10**9 + n, order_id.encode(), b"")


def paid_event(order_id: str, n: int) -> tuple[EventEnvelope, ConsumedRecord]:
    envelope = EventEnvelope.new(
        orders_events.OrderPaid(
            order_id=order_id, buyer_id="b", seller_id="s", amount=money(20_000)
        ),
        aggregate_type="orders.order",
        aggregate_id=order_id,
        aggregate_version=3,
        producer="orders",
    )
    topic = topic_for("orders.order")
    return envelope, ConsumedRecord(topic, 0, 10**9 + n, order_id.encode(), b"")


async def ledger_operations(
    database: Database, world: LedgerWorld, repeats: int, rng: random.Random
) -> list[Operation]:
    units = partial(LedgerUnitOfWork, database)
    service = LedgerService(units)
    operator = caller("operator-1", roles=("operator",))
    running = RunningAudit(units)
    # Its first check (all of history, the whole chain) before the posts below, so the running
    # check measured checks what they add, as a service's checks do between intervals.
    await running.check()

    async def post(i: int) -> None:
        envelope, record = payment_event(str(uuid.uuid4()), i)
        async with units() as uow:
            await post_event(uow.session, envelope, record)
            await uow.commit()

    async def milestone(i: int) -> None:
        envelope, record = paid_event(str(uuid.uuid4()), i)
        async with units() as uow:
            await post_event(uow.session, envelope, record)
            await uow.commit()

    def payable() -> str:
        return f"liability:seller_payable:{rng.choice(world.sellers)}"

    async def balance(_: int) -> None:
        with bind_caller(operator):
            await service.GetBalance(ledger_api.GetBalanceRequest(account=payable()), None)

    async def statement(_: int) -> None:
        request = ledger_api.GetStatementRequest(account=payable(), limit=100)
        with bind_caller(operator):
            await service.GetStatement(request, None)

    async def escrow(_: int) -> None:
        account = f"liability:escrow:{rng.choice(world.orders)}"
        with bind_caller(operator):
            await service.GetBalance(ledger_api.GetBalanceRequest(account=account), None)

    async def entries_gauge(_: int) -> None:
        async with units(read_only=True) as uow:
            await uow.journal.head()

    async def audit(_: int) -> None:
        await running.check()

    async def first_audit(_: int) -> None:
        await RunningAudit(units).check()

    async def escrow_float(_: int) -> None:
        with bind_caller(operator):
            await service.GetEscrowFloat(ledger_api.GetEscrowFloatRequest(), None)

    few = max(2, repeats // 20)
    return [
        ("ledger: post a PaymentCaptured (one event a transaction)", repeats, post),
        ("ledger: post an OrderPaid milestone", repeats, milestone),
        ("ledger: GetBalance (a seller's payable)", repeats, balance),
        ("ledger: GetStatement (a seller's payable, 100 lines)", repeats, statement),
        ("ledger: GetBalance (an order's escrow)", repeats, escrow),
        ("ledger: entries gauge (head)", repeats, entries_gauge),
        ("ledger: running audit check (violations + new chain)", few, audit),
        ("ledger: audit's first check after a start (whole chain)", 1, first_audit),
        ("ledger: GetEscrowFloat (operator report)", few, escrow_float),
    ]


# --- logistics ---------------------------------------------------------------------------------

CARRIERS = CarrierRules(
    [
        CarrierRule("carrier-0", max_weight_grams=1_000),
        CarrierRule("carrier-1", max_weight_grams=5_000),
        CarrierRule("carrier-2", max_weight_grams=20_000),
        CarrierRule("carrier-3"),
    ]
)
IN_FLIGHT = 30
"""Shipments created or on the way, at every size: the orders in flight, not history."""
ACTIVE = [
    logistics_api.SHIPMENT_STATUS_CREATED,
    logistics_api.SHIPMENT_STATUS_DISPATCHED,
    logistics_api.SHIPMENT_STATUS_IN_TRANSIT,
]
"""What the carrier simulators list: what they still move."""
HANGZHOU = Destination("CN-ZJ", "Hangzhou", "310000", "1 West Lake Road", "Li Lei")


@dataclass
class LogisticsWorld:
    delivered: list[tuple[str, str]]
    """(shipment_id, carrier_id)."""


def shipment_of(order_id: str, state: str, weight: int, at: datetime) -> Shipment:
    shipment = Shipment.create(
        shipment_id_for(order_id),
        order_id=order_id,
        seller_id=f"seller-{order_id[:2]}",
        buyer_id=f"buyer-{order_id[:4]}",
        carrier_id=CARRIERS.choose(HANGZHOU.region, weight),
        destination=HANGZHOU,
        parcel=Parcel(weight),
        at=at,
    )
    if state == "cancelled":
        shipment.cancel("order cancelled", at)
    elif state != "created":
        shipment.dispatch(f"TN{order_id[:12]}", "Shanghai hub", "", at + timedelta(hours=2))
        for hop in range(3):
            shipment.record_transit_scan(f"hub {hop}", "", at + timedelta(hours=6 + 6 * hop))
        if state == "delivered":
            shipment.confirm_delivery("Hangzhou", "", at + timedelta(days=2))
        elif state == "lost":
            shipment.report_loss("hub 2", "", at + timedelta(days=3))
    return shipment


async def fill_logistics(url: str, size: int, rng: random.Random) -> LogisticsWorld:
    translator = ShipmentTranslator()
    now = datetime.now(UTC)
    world = LogisticsWorld([])
    history = size - IN_FLIGHT
    states = mix(history, [("delivered", 0.95), ("lost", 0.01), ("cancelled", 0.04)], rng)
    states += ["created"] * (IN_FLIGHT // 3) + ["in_transit"] * (IN_FLIGHT - IN_FLIGHT // 3)
    shipper = caller("orders", scopes=("logistics:ship",))
    with bulk(url) as rows:
        for state in states:
            order_id = str(uuid.uuid4())
            recent = state in ("created", "in_transit")
            at = now - (timedelta(hours=12) if recent else timedelta(days=90)) * rng.random()
            shipment = shipment_of(order_id, state, rng.randrange(100, 30_000), at)
            for version, event in enumerate(shipment.pending_events(), start=1):
                envelope = EventEnvelope.new(
                    translator.to_payload(event),
                    aggregate_type=Shipment.aggregate_type,
                    aggregate_id=shipment.id,
                    aggregate_version=version,
                    producer="logistics",
                    occurred_at=at,
                )
                rows.add(events_table, event_row(envelope))
            rows.add(
                shipment_summaries,
                {
                    "shipment_id": shipment.id,
                    "order_id": order_id,
                    "carrier_id": shipment.carrier_id,
                    "status": shipment.status.value,
                    "region": HANGZHOU.region,
                    "weight_grams": shipment.parcel.weight_grams,
                    "tracking_number": shipment.tracking_number,
                    "transit_scans": shipment.transit_scans,
                    "created_at": shipment.created_at,
                    "updated_at": shipment.updated_at,
                    "version": shipment.version,
                },
            )
            if state == "delivered":
                world.delivered.append((shipment.id, shipment.carrier_id))
        for row in key_rows(caller_scope("logistics.CreateShipment", shipper), size, now):
            rows.add(idempotency_keys, row)
    return world


async def logistics_operations(
    database: Database, world: LogisticsWorld, repeats: int, rng: random.Random
) -> list[Operation]:
    units = partial(SqlLogisticsUnitOfWork, database)
    service = ShipmentService(units, CARRIERS)
    shipper = caller("orders", scopes=("logistics:ship",))
    carrier = Caller(
        subject="carrier-0",
        kind="app",
        roles=frozenset({"carrier"}),
        scopes=frozenset({"logistics:tracking"}),
        token_id=str(uuid.uuid4()),
        expires_at=datetime.now(UTC) + timedelta(days=1),
    )
    created: list[str] = []

    async def create(_: int) -> None:
        request = logistics_api.CreateShipmentRequest(
            idempotency_key=str(uuid.uuid4()),
            order_id=str(uuid.uuid4()),
            seller_id=str(uuid.uuid4()),
            buyer_id=str(uuid.uuid4()),
            destination=logistics_api.Destination(
                region="CN-ZJ",
                city="Hangzhou",
                postal_code="310000",
                street_address="1 West Lake Road",
                recipient_name="Li Lei",
            ),
            parcel=logistics_api.Parcel(weight_grams=500),
        )
        with bind_caller(shipper):
            response = await service.CreateShipment(request, None)
        created.append(response.shipment.shipment_id)

    async def dispatch(_: int) -> None:
        request = logistics_api.PostTrackingUpdateRequest(
            idempotency_key=str(uuid.uuid4()),
            shipment_id=created.pop(),
            location="Hangzhou depot",
            dispatched=logistics_api.PostTrackingUpdateRequest.Dispatched(tracking_number="TN1"),
        )
        with bind_caller(carrier):
            await service.PostTrackingUpdate(request, None)

    async def get(_: int) -> None:
        shipment_id, carrier_id = rng.choice(world.delivered)
        viewer = dataclasses.replace(carrier, subject=carrier_id)
        request = logistics_api.GetShipmentRequest(shipment_id=shipment_id)
        with bind_caller(viewer):
            await service.GetShipment(request, None)

    async def listed(_: int) -> None:
        request = logistics_api.ListShipmentsRequest(statuses=ACTIVE, page_size=200)
        with bind_caller(carrier):
            await service.ListShipments(request, None)

    return [
        ("logistics: CreateShipment", repeats + 1, create),
        ("logistics: PostTrackingUpdate (dispatched)", repeats, dispatch),
        ("logistics: GetShipment (delivered)", repeats, get),
        ("logistics: ListShipments (a carrier's active, as the simulator)", repeats, listed),
    ]


def explain(url: str, seen: Any) -> list[Plan]:
    """(op, statement, plan summary, shared buffers, seq scans on big tables) per statement.

    bench_orders_scale's, except that the buffers are the top node's wherever its line falls
    (an aggregate prints its keys and batches first)."""
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
                for line in plan:
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


# --- running -----------------------------------------------------------------------------------

SERVICES: dict[str, tuple[Path, Any, Any]] = {
    "catalog": (CATALOG_MIGRATIONS, fill_catalog, catalog_operations),
    "payments": (PAYMENTS_MIGRATIONS, fill_payments, payments_operations),
    "ledger": (LEDGER_MIGRATIONS, fill_ledger, ledger_operations),
    "logistics": (LOGISTICS_MIGRATIONS, fill_logistics, logistics_operations),
}


async def bench_service(
    server_url: str, service: str, size: int, repeats: int, rng: random.Random
) -> tuple[dict[str, Measured], list[Plan], float]:
    versions, fill, operations_of = SERVICES[service]
    with fresh_postgres(server_url, f"bench_{service}") as url:
        await asyncio.to_thread(migrate, url)
        await asyncio.to_thread(
            migrate, url, versions=versions, version_table=f"{service}_alembic_version"
        )
        started = time.perf_counter()
        world = await fill(url, size, rng)
        fill_s = time.perf_counter() - started
        database = Database(url)
        capture = Capture(database)
        results: dict[str, Measured] = {}
        try:
            for name, count, operation in await operations_of(database, world, repeats, rng):
                results[name] = await measure(capture, name, count, operation)
        finally:
            await database.dispose()
        plans = await asyncio.to_thread(explain, url, capture.seen.values())
    return results, plans, fill_s


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,100000", help="orders' worth of history")
    parser.add_argument("--repeats", type=int, default=100, help="operations measured per kind")
    parser.add_argument("--services", default="catalog,payments,ledger", help=",".join(SERVICES))
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    configure_logging("bench", "WARNING")  # not the provider's and the sweeper's info lines
    sizes = [int(s) for s in args.sizes.split(",")]
    _, server_url = infra_endpoints()
    rng = random.Random(args.seed)
    print(f"machine: {machine()}; PostgreSQL; {load()} at start")
    print(
        f"command: .venv/bin/python -m bench.bench_services_scale --sizes {args.sizes} "
        f"--repeats {args.repeats} --services {args.services}\n"
    )
    runs: dict[int, tuple[dict[str, Measured], list[Plan]]] = {}
    for size in sizes:
        results: dict[str, Measured] = {}
        plans: list[Plan] = []
        for service in args.services.split(","):
            measured, explained, fill_s = asyncio.run(
                bench_service(server_url, service, size, args.repeats, rng)
            )
            results |= measured
            plans += explained
            print(f"- {service}: {size:,} orders' history filled in {fill_s:.1f} s; {load()}")
        runs[size] = (results, plans)
    print_report(runs, sizes[0], sizes[-1])
    print(f"\n{load()} at end")


if __name__ == "__main__":
    main()
