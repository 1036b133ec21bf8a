"""The demo's scenario: who orders what, and what then happens to each order.

`plan_orders` decides everything from the seed alone (pure, no I/O): which buyer orders which
SKUs of which shop, with which card (one that approves or one that declines), to which region
(served by a carrier that delivers, or by one that loses every parcel), and what the buyer does
once the parcel arrives (confirms receipt, asks for a refund, or leaves it to the auto-confirm
deadline). Each fate has one final status the saga must reach:

    decline  payment declined                   -> CANCELLED
    lose     the carrier loses the parcel        -> REFUNDED
    refund   delivered, the buyer asks a refund  -> REFUNDED
    auto     delivered, nobody confirms          -> COMPLETED (auto-confirm deadline)
    confirm  delivered, the buyer confirms       -> COMPLETED

`run_scenario` places the orders over gRPC, watches them with a progress bar, acts for the
buyers when their parcels arrive, and returns how each order ended.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import grpc
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mercato.orders.v1 import orders_pb2, orders_pb2_grpc
from mercato.payments.v1 import payments_pb2, payments_pb2_grpc
from mercato_cli.demo.launcher import DemoError
from mercato_cli.demo.seed import CURRENCY, Seller, SignedIn

__all__ = [
    "APPROVED_CARD",
    "DECLINED_CARD",
    "EXPECTED",
    "FATES",
    "LOSSY_REGION",
    "Outcome",
    "PlannedOrder",
    "Shares",
    "plan_orders",
    "run_payouts",
    "run_scenario",
    "summary_table",
]

Fate = Literal["decline", "lose", "refund", "auto", "confirm"]
FATES: tuple[Fate, ...] = ("decline", "lose", "refund", "auto", "confirm")

APPROVED_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"
"""Test instruments of the payments simulator (protos/mercato/payments/v1/payments.proto)."""

LOSSY_REGION = "CN-QH"
"""The region the lossy carrier serves (LOGISTICS_CARRIER_RULES sends its parcels there)."""
_DESTINATIONS = (
    ("CN-ZJ", "Hangzhou", "310000"),
    ("CN-SH", "Shanghai", "200000"),
    ("CN-BJ", "Beijing", "100000"),
    ("CN-GD", "Guangzhou", "510000"),
)
_LOSSY_DESTINATION = (LOSSY_REGION, "Xining", "810000")

S = orders_pb2
FINAL = frozenset({S.ORDER_STATUS_COMPLETED, S.ORDER_STATUS_CANCELLED, S.ORDER_STATUS_REFUNDED})
EXPECTED: dict[Fate, int] = {
    "decline": S.ORDER_STATUS_CANCELLED,
    "lose": S.ORDER_STATUS_REFUNDED,
    "refund": S.ORDER_STATUS_REFUNDED,
    "auto": S.ORDER_STATUS_COMPLETED,
    "confirm": S.ORDER_STATUS_COMPLETED,
}
_DESCRIBED: dict[Fate, str] = {
    "decline": "payment declined",
    "lose": "parcel lost",
    "refund": "refund requested",
    "auto": "auto-confirmed",
    "confirm": "confirmed by buyer",
}
_TIMEOUT = 30.0


def status_name(status: int) -> str:
    return S.OrderStatus.Name(status).removeprefix("ORDER_STATUS_")


@dataclass(frozen=True)
class Shares:
    """The shares of orders whose payment is declined, whose parcel is lost, whose buyer asks
    for a refund, and that are left to the auto-confirm deadline; the rest are confirmed."""

    decline: float = 0.1
    loss: float = 0.1
    refund: float = 0.1
    auto: float = 0.1

    def counts(self, orders: int) -> dict[Fate, int]:
        """How many orders meet each fate: its share of them, rounded half up."""

        def count(share: float) -> int:
            if not 0 <= share <= 1:
                raise ValueError(f"a share must be between 0 and 1, got {share}")
            return int(share * orders + 0.5)

        counts: dict[Fate, int] = {
            "decline": count(self.decline),
            "lose": count(self.loss),
            "refund": count(self.refund),
            "auto": count(self.auto),
        }
        rest = orders - sum(counts.values())
        if rest < 0:
            raise ValueError(
                f"the shares ask for {sum(counts.values())} special orders of only {orders}"
            )
        counts["confirm"] = rest
        return counts


@dataclass(frozen=True)
class PlannedLine:
    sku_index: int
    quantity: int


@dataclass(frozen=True)
class PlannedOrder:
    """One order as the seed decides it (indices into the seeded buyers, shops and SKUs)."""

    number: int
    buyer: int
    shop: int
    lines: tuple[PlannedLine, ...]
    fate: Fate
    region: str
    city: str
    postal_code: str

    @property
    def card(self) -> str:
        return DECLINED_CARD if self.fate == "decline" else APPROVED_CARD

    @property
    def expected(self) -> int:
        return EXPECTED[self.fate]


def plan_orders(
    seed: int, orders: int, buyers: int, skus_per_shop: Sequence[int], shares: Shares
) -> list[PlannedOrder]:
    """The scenario's orders, decided by the seed alone."""
    rng = random.Random(f"scenario:{seed}")
    fates: list[Fate] = [fate for fate, n in shares.counts(orders).items() for _ in range(n)]
    rng.shuffle(fates)
    planned = []
    for number, fate in enumerate(fates):
        shop = rng.randrange(len(skus_per_shop))
        chosen = rng.sample(
            range(skus_per_shop[shop]), k=min(rng.choice((1, 1, 2)), skus_per_shop[shop])
        )
        lines = tuple(PlannedLine(sku, rng.choice((1, 1, 1, 2))) for sku in sorted(chosen))
        region, city, postal = _LOSSY_DESTINATION if fate == "lose" else rng.choice(_DESTINATIONS)
        planned.append(
            PlannedOrder(number, rng.randrange(buyers), shop, lines, fate, region, city, postal)
        )
    return planned


@dataclass
class Outcome:
    """How one planned order went."""

    planned: PlannedOrder
    order_id: str
    status: int = S.ORDER_STATUS_PLACED
    total_fen: int = 0
    reason: str = ""
    acted: bool = False

    @property
    def final(self) -> bool:
        return self.status in FINAL

    @property
    def as_planned(self) -> bool:
        return self.status == self.planned.expected


def _place(
    stub: orders_pb2_grpc.OrderServiceStub,
    planned: PlannedOrder,
    buyer: SignedIn,
    seller: Seller,
    run_key: str,
    attribution_token: str = "",
) -> str:
    lines = []
    for line in planned.lines:
        sku = seller.skus[line.sku_index]
        lines.append(
            S.OrderLineRequest(sku_id=sku.sku_id, product_id=sku.product_id, quantity=line.quantity)
        )
    answer = stub.PlaceOrder(
        S.PlaceOrderRequest(
            idempotency_key=f"{run_key}-order-{planned.number}",
            lines=lines,
            shipping_address=S.ShippingAddress(
                region=planned.region,
                city=planned.city,
                postal_code=planned.postal_code,
                street_address=f"{planned.number + 1} Demo Road",
                recipient_name=f"Buyer {planned.buyer + 1}",
            ),
            instrument=planned.card,
            attribution_token=attribution_token,
        ),
        metadata=buyer.metadata,
        timeout=_TIMEOUT,
    )
    order_id: str = answer.order_id
    return order_id


def _act(
    stub: orders_pb2_grpc.OrderServiceStub, outcome: Outcome, buyer: SignedIn, run_key: str
) -> None:
    """The buyer's move once the parcel has arrived: confirm, or ask for a refund."""
    key = f"{run_key}-{outcome.planned.fate}-{outcome.planned.number}"
    if outcome.planned.fate == "confirm":
        stub.ConfirmReceipt(
            S.ConfirmReceiptRequest(idempotency_key=key, order_id=outcome.order_id),
            metadata=buyer.metadata,
            timeout=_TIMEOUT,
        )
    elif outcome.planned.fate == "refund":
        stub.RequestRefund(
            S.RequestRefundRequest(
                idempotency_key=key, order_id=outcome.order_id, reason="not as described"
            ),
            metadata=buyer.metadata,
            timeout=_TIMEOUT,
        )
    outcome.acted = True


def _buyer_orders(
    stub: orders_pb2_grpc.OrderServiceStub, buyer: SignedIn
) -> list[orders_pb2.Order]:
    found: list[orders_pb2.Order] = []
    token = ""
    while True:
        page = stub.ListBuyerOrders(
            S.ListBuyerOrdersRequest(page_size=200, page_token=token),
            metadata=buyer.metadata,
            timeout=_TIMEOUT,
        )
        found.extend(page.orders)
        token = page.next_page_token
        if not token:
            return found


def run_scenario(
    channel: grpc.Channel,
    planned: Sequence[PlannedOrder],
    buyers: Sequence[SignedIn],
    sellers: Sequence[Seller],
    *,
    run_key: str,
    console: Console,
    timeout: float,
    check_alive: Callable[[], None],
    poll_interval: float = 0.5,
    placers: int = 4,
    attribution_tokens: Mapping[int, str] | None = None,
    spread: float = 0.0,
) -> list[Outcome]:
    """Place the planned orders (`placers` at a time) while watching them until every one is
    final (or `timeout` seconds pass: DemoError), acting for the buyers as soon as their parcels
    arrive: the watch starts with the first order, so no parcel waits for the last order to be
    placed (and the auto-confirm deadline never beats a buyer who means to ask for a refund).
    `attribution_tokens` (order number -> the token a click's redirect carried): those orders
    arrive through an ad. With `spread` (seconds), the k-th of n orders is placed no sooner than
    k/n of it after the start: a load that flows for that long rather than all at once."""
    tokens = attribution_tokens or {}
    stub = orders_pb2_grpc.OrderServiceStub(channel)  # type: ignore[no-untyped-call]
    placed: dict[int, Outcome] = {}
    lock = threading.Lock()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[states]}"),
    )
    with (
        Progress(*columns, console=console, transient=False) as progress,
        ThreadPoolExecutor(max_workers=placers, thread_name_prefix="place") as pool,
    ):
        placing = progress.add_task("placing orders", total=len(planned), states="")
        settling = progress.add_task("orders final", total=len(planned), states="")

        started = time.monotonic()

        def place(order: PlannedOrder) -> None:
            if spread:
                not_before = started + spread * order.number / len(planned)
                time.sleep(max(0.0, not_before - time.monotonic()))
            order_id = _place(
                stub,
                order,
                buyers[order.buyer],
                sellers[order.shop],
                run_key,
                tokens.get(order.number, ""),
            )
            with lock:
                placed[order.number] = Outcome(order, order_id)
            progress.advance(placing)

        placements = [pool.submit(place, order) for order in planned]
        deadline = time.monotonic() + timeout
        try:
            while True:
                check_alive()
                for failed in (f for f in placements if f.done() and f.exception()):
                    failed.result()
                with lock:
                    outcomes = [placed[number] for number in sorted(placed)]
                by_id = {outcome.order_id: outcome for outcome in outcomes}
                for buyer in sorted({o.planned.buyer for o in outcomes if not o.final}):
                    _watch_buyer(stub, buyers[buyer], by_id, run_key)
                states = Counter(status_name(outcome.status) for outcome in outcomes)
                done = sum(outcome.final for outcome in outcomes)
                progress.update(
                    settling,
                    completed=done,
                    states=" ".join(f"{name.lower()} {n}" for name, n in sorted(states.items())),
                )
                if done == len(planned):
                    return outcomes
                if time.monotonic() > deadline:
                    waiting = [o for o in outcomes if not o.final]
                    sample = ", ".join(
                        f"{o.order_id} ({status_name(o.status)}, {o.planned.fate})"
                        for o in waiting[:5]
                    )
                    raise DemoError(
                        f"{len(planned) - done} orders are not final after {timeout:.0f}s "
                        f"({len(planned) - len(outcomes)} not placed): {sample}"
                    )
                time.sleep(poll_interval)
        finally:
            for placement in placements:
                placement.cancel()


def _watch_buyer(
    stub: orders_pb2_grpc.OrderServiceStub,
    buyer: SignedIn,
    by_id: dict[str, Outcome],
    run_key: str,
) -> None:
    """Update the buyer's orders from the service; act on those just delivered."""
    for seen in _buyer_orders(stub, buyer):
        outcome = by_id.get(seen.order_id)
        if outcome is None:
            continue
        outcome.status = seen.status
        outcome.total_fen = seen.total.minor_units
        outcome.reason = seen.reason
        if seen.status == S.ORDER_STATUS_DELIVERED and not outcome.acted:
            try:
                _act(stub, outcome, buyer, run_key)
            except grpc.RpcError as error:
                if not isinstance(error, grpc.Call):
                    raise
                if error.code() != grpc.StatusCode.FAILED_PRECONDITION:
                    raise


def summary_table(outcomes: Sequence[Outcome]) -> Table:
    """Counts per fate, what each was expected to end as, and what it ended as."""
    table = Table(title="What happened to the orders")
    table.add_column("fate")
    table.add_column("orders", justify="right")
    table.add_column("expected")
    table.add_column("ended as")
    table.add_column("value (CNY)", justify="right")
    for fate in FATES:
        mine = [o for o in outcomes if o.planned.fate == fate]
        if not mine:
            continue
        ended = Counter(status_name(o.status) for o in mine)
        ok = all(o.as_planned for o in mine)
        table.add_row(
            _DESCRIBED[fate],
            str(len(mine)),
            status_name(EXPECTED[fate]),
            ("" if ok else "[red]") + ", ".join(f"{k} {v}" for k, v in sorted(ended.items())),
            yuan(sum(o.total_fen for o in mine)),
        )
    table.add_row(
        "all", str(len(outcomes)), "", "", yuan(sum(o.total_fen for o in outcomes)), style="bold"
    )
    return table


def yuan(fen: int) -> str:
    """Minor units as a decimal string, without ever going through a float."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{part:02d}"


def run_payouts(
    channel: grpc.Channel, operator: SignedIn, batch_id: str
) -> payments_pb2.PayoutBatch:
    """Pay out every seller's payable (payments' RunPayoutBatch, an operator's call)."""
    stub = payments_pb2_grpc.PaymentServiceStub(channel)  # type: ignore[no-untyped-call]
    answer = stub.RunPayoutBatch(
        payments_pb2.RunPayoutBatchRequest(
            idempotency_key=f"payout-{batch_id}",
            batch_id=batch_id,
            currency=CURRENCY,
            max_payouts=1000,
        ),
        metadata=operator.metadata,
        timeout=_TIMEOUT,
    )
    batch: payments_pb2.PayoutBatch = answer.batch
    return batch
