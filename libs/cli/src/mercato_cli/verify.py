"""`mercato verify`: reconcile a running Mercato across its services, as an operator can.

It uses what any operator has — the event log (read from the beginning, without a consumer
group) and the services' public gRPC APIs with an operator's token — never a service's
database. Each check says how many things it looked at and the first violations it found:

- captures once: every paid order has exactly one PaymentCaptured, and no order more than one;
- ledger once: every money event of an order (capture, refund, release) is on the order's
  escrow statement exactly once, and every payout on the seller's payable statement once;
- app store once: every app-store charge and refund with a vendor share, and every vendor
  payout, is on the vendor's payable statement exactly once;
- final escrow zero: a completed, cancelled or refunded order leaves nothing in escrow;
- reservations: the units catalog says are reserved equal what the log's open reservations
  hold, SKU by SKU;
- trial balance and audit: the ledger balances, its invariants hold, its hash chain is intact;
- consumer lag: every consumer group catches up with its topics within `--settle` seconds;
- commissions reversed (once marketing runs): every refunded order whose commission was
  charged has its ConversionReversed;
- dead letters: listed per topic (not a violation: an operator decides; see `mercato dlq`).

Run it on a settled system (no load, or after `--settle`): it compares snapshots that a live
load moves. Exit 0 when every check holds, 1 naming the first violations of each check.
"""

from __future__ import annotations

import os
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import grpc
import typer
from rich.console import Console
from rich.table import Table

from mercato.catalog.v1 import catalog_service_pb2 as catalog_api
from mercato.catalog.v1 import catalog_service_pb2_grpc as catalog_grpc
from mercato.catalog.v1 import events_pb2 as catalog_events
from mercato.identity.v1 import accounts_pb2, accounts_pb2_grpc
from mercato.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from mercato.payments.v1 import payments_pb2
from mercato_cli.events import CliError, bootstrap_servers, fail, open_reader, read_partitions
from mercato_kit.events import AGGREGATE_TYPES, EventEnvelope, dlq_topic, topic_for

__all__ = [
    "Finding",
    "PartitionLag",
    "Reconciliation",
    "Scope",
    "lag_clients",
    "partition_lags",
    "run_checks",
    "verify",
]

_TIMEOUT = 30.0
_SHOWN = 5
FINAL_ORDER_EVENTS = ("OrderCompleted", "OrderCancelled", "OrderRefunded")
ESCROW_EVENTS = ("PaymentCaptured", "RefundIssued", "EscrowReleased")
RESERVATION_ENDS = ("ReservationCommitted", "ReservationExpired", "ReservationReleased")


@dataclass
class Finding:
    """One check: what it looked at, and what broke."""

    check: str
    checked: int = 0
    violations: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def holds(self) -> bool:
        return not self.violations


@dataclass(frozen=True)
class LoggedEvent:
    """An event as read from its topic."""

    event_id: str
    name: str
    aggregate_id: str
    envelope: EventEnvelope


@dataclass(frozen=True)
class Scope:
    """What to reconcile: everything (an operator's own deployment owns its topics), or only
    these orders and products (a deployment sharing a broker with others, such as a test)."""

    order_ids: frozenset[str] | None = None
    product_ids: frozenset[str] | None = None
    vendor_ids: frozenset[str] | None = None
    """App vendors to reconcile; None: every vendor when the scope is everything, else none."""

    def order(self, order_id: str) -> bool:
        return self.order_ids is None or order_id in self.order_ids

    def vendor(self, vendor_id: str) -> bool:
        if self.vendor_ids is None:
            return self.order_ids is None
        return vendor_id in self.vendor_ids

    def product(self, product_id: str) -> bool:
        return self.product_ids is None or product_id in self.product_ids


class Log:
    """Every event of the topics verify needs, by aggregate, in log order per aggregate (a
    record delivered twice — at-least-once — is kept once: by event id)."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.by_topic: dict[str, dict[str, list[LoggedEvent]]] = {}
        self.dead_letters: dict[str, int] = {}

    def load(self, aggregate_types: Iterable[str]) -> None:
        with open_reader(self.bootstrap) as consumer:
            existing = set(consumer.topics())
            for aggregate_type in aggregate_types:
                topic = topic_for(aggregate_type)
                events: dict[str, list[LoggedEvent]] = defaultdict(list)
                seen: set[str] = set()
                if topic in existing:
                    for record in read_partitions(consumer, [topic]):
                        event = _logged(record.value)
                        if event is not None and event.event_id not in seen:
                            seen.add(event.event_id)
                            events[event.aggregate_id].append(event)
                self.by_topic[aggregate_type] = events
            for aggregate_type in AGGREGATE_TYPES:
                dead = dlq_topic(topic_for(aggregate_type))
                if dead in existing:
                    partitions = consumer.partitions_for_topic(dead) or set()
                    from kafka.structs import TopicPartition

                    tps = [TopicPartition(dead, p) for p in partitions]
                    ends = consumer.end_offsets(tps)
                    starts = consumer.beginning_offsets(tps)
                    count = sum(ends[tp] - starts[tp] for tp in tps)
                    if count:
                        self.dead_letters[dead] = count

    def of(self, aggregate_type: str) -> dict[str, list[LoggedEvent]]:
        return self.by_topic.get(aggregate_type, {})


def _logged(value: bytes | None) -> LoggedEvent | None:
    if not value:
        return None
    try:
        envelope = EventEnvelope.from_bytes(value)
    except Exception:  # poison is the dead-letter topics' business, not verify's
        return None
    name = envelope.event_type.rsplit(".", 1)[-1]
    return LoggedEvent(envelope.event_id, name, envelope.aggregate_id, envelope)


class Reconciliation:
    """The checks, over the log and the services' public APIs."""

    def __init__(
        self,
        log: Log,
        ledger: Any,
        catalog: Any,
        metadata: Sequence[tuple[str, str]],
        scope: Scope,
    ) -> None:
        self.log = log
        self.ledger = ledger
        self.catalog = catalog
        self.metadata = list(metadata)
        self.scope = scope

    def captures_once(self) -> Finding:
        finding = Finding("captures once")
        orders = self.log.of("orders.order")
        payments = self.log.of("payments.payment")
        for order_id in sorted(o for o in set(orders) | set(payments) if self.scope.order(o)):
            names = Counter(event.name for event in orders.get(order_id, []))
            captures = sum(1 for e in payments.get(order_id, []) if e.name == "PaymentCaptured")
            finding.checked += 1
            if names["OrderPaid"] and captures != 1:
                finding.violations.append(f"order {order_id} is paid with {captures} captures")
            elif captures > 1:
                finding.violations.append(f"order {order_id} was captured {captures} times")
        return finding

    def ledger_once(self) -> Finding:
        finding = Finding("ledger once")
        for order_id, events in sorted(self.log.of("payments.payment").items()):
            posting = [e.event_id for e in events if e.name in ESCROW_EVENTS]
            if not posting or not self.scope.order(order_id):
                continue
            finding.checked += 1
            self._compare(finding, f"liability:escrow:{order_id}", posting)
        payouts: dict[str, list[str]] = defaultdict(list)
        for events in (
            self.log.of("payments.payout").values() if self.scope.order_ids is None else []
        ):
            for event in events:
                if event.name == "PayoutSent":
                    sent = event.envelope.unpack(payments_pb2.PayoutSent)
                    if sent.amount.minor_units:
                        payouts[sent.seller_id].append(event.event_id)
        for seller_id, event_ids in sorted(payouts.items()):
            finding.checked += 1
            self._compare(finding, f"liability:seller_payable:{seller_id}", event_ids)
        return finding

    def app_store_once(self) -> Finding:
        finding = Finding("app store once")
        posted: dict[str, list[str]] = defaultdict(list)
        for events in self.log.of("payments.app_charge").values():
            for event in events:
                if event.name == "AppCharged":
                    money: Any = event.envelope.unpack(payments_pb2.AppCharged)
                elif event.name == "AppChargeRefunded":
                    money = event.envelope.unpack(payments_pb2.AppChargeRefunded)
                else:
                    continue
                if money.vendor_share.minor_units and self.scope.vendor(money.vendor_id):
                    posted[money.vendor_id].append(event.event_id)
        for events in self.log.of("payments.vendor_payout").values():
            for event in events:
                if event.name == "VendorPaidOut":
                    paid = event.envelope.unpack(payments_pb2.VendorPaidOut)
                    if paid.amount.minor_units and self.scope.vendor(paid.vendor_id):
                        posted[paid.vendor_id].append(event.event_id)
        for vendor_id, event_ids in sorted(posted.items()):
            finding.checked += 1
            self._compare(finding, f"liability:vendor_payable:{vendor_id}", event_ids)
        if not posted:
            finding.note = "no app-store money in scope"
        return finding

    def _compare(self, finding: Finding, account: str, event_ids: list[str]) -> None:
        statement = self._statement(account)
        posted = Counter(line.event_id for line in statement)
        for event_id in event_ids:
            if posted[event_id] == 0:
                finding.violations.append(f"{account}: event {event_id} never reached the ledger")
        twice = [event_id for event_id, count in posted.items() if count > 1]
        # An entry may post several lines to one account only for a release (gross and net are
        # on different accounts), so two lines of one event on one account is a double post.
        for event_id in twice:
            finding.violations.append(f"{account}: event {event_id} posted {posted[event_id]}x")

    def _statement(self, account: str) -> list[Any]:
        try:
            answer = self.ledger.GetStatement(
                ledger_pb2.GetStatementRequest(account=account, limit=1000),
                metadata=self.metadata,
                timeout=_TIMEOUT,
            )
        except grpc.RpcError as error:
            if isinstance(error, grpc.Call) and error.code() == grpc.StatusCode.NOT_FOUND:
                return []
            raise
        return list(answer.lines)

    def final_escrow_zero(self, trial: Any) -> Finding:
        finding = Finding("final escrow zero")
        balances = {(b.account, b.balance.currency): b.balance.minor_units for b in trial.balances}
        for order_id, events in sorted(self.log.of("orders.order").items()):
            if not events or events[-1].name not in FINAL_ORDER_EVENTS:
                continue
            if not self.scope.order(order_id):
                continue
            finding.checked += 1
            account = f"liability:escrow:{order_id}"
            left = {cur: units for (acc, cur), units in balances.items() if acc == account}
            if any(left.values()):
                finding.violations.append(
                    f"order {order_id} is {events[-1].name} with {left} left in escrow"
                )
        return finding

    def reservations(self) -> Finding:
        finding = Finding("reservations")
        held: Counter[str] = Counter()
        for events in self.log.of("catalog.reservation").values():
            lines: list[Any] = []
            for event in events:
                if event.name == "StockReserved":
                    lines = list(event.envelope.unpack(catalog_events.StockReserved).lines)
                elif event.name in RESERVATION_ENDS:
                    lines = []
            for line in lines:
                held[line.sku_id] += line.quantity
        for product_id in sorted(
            p for p in self.log.of("catalog.product") if self.scope.product(p)
        ):
            try:
                product = self.catalog.GetProduct(
                    catalog_api.GetProductRequest(product_id=product_id),
                    metadata=self.metadata,
                    timeout=_TIMEOUT,
                ).product
            except grpc.RpcError as error:
                if isinstance(error, grpc.Call) and error.code() == grpc.StatusCode.NOT_FOUND:
                    continue
                raise
            for sku in product.skus:
                finding.checked += 1
                if sku.reserved != held[sku.sku_id]:
                    finding.violations.append(
                        f"SKU {sku.sku_id}: catalog reserves {sku.reserved}, "
                        f"open reservations hold {held[sku.sku_id]}"
                    )
        return finding

    def ledger_audit(self, trial: Any) -> Finding:
        finding = Finding("trial balance and audit", checked=len(trial.balances))
        if not trial.balanced:
            finding.violations.append("the trial balance does not sum to zero")
        audit = self.ledger.Audit(
            ledger_pb2.AuditRequest(), metadata=self.metadata, timeout=_TIMEOUT * 4
        )
        finding.note = f"{audit.entries} entries in the hash chain"
        for violation in audit.violations:
            finding.violations.append(f"{violation.invariant}: {violation.detail}")
        if audit.HasField("broken_link"):
            link = audit.broken_link
            finding.violations.append(
                f"hash chain broken at entry {link.sequence} (event {link.event_id}): {link.reason}"
            )
        return finding

    def commissions_reversed(self) -> Finding:
        finding = Finding("commissions reversed")
        conversions = self.log.of("marketing.conversion")
        if not conversions:
            finding.note = "no conversions in the log"
            return finding
        orders = self.log.of("orders.order")
        for order_id, events in sorted(conversions.items()):
            if not self.scope.order(order_id):
                continue
            names = {event.name for event in events}
            if "CommissionCharged" not in names:
                continue
            finding.checked += 1
            refunded = any(e.name == "OrderRefunded" for e in orders.get(order_id, []))
            if refunded and "ConversionReversed" not in names:
                finding.violations.append(f"order {order_id} was refunded; its commission stays")
        return finding

    def dead_letters(self) -> Finding:
        finding = Finding("dead letters", checked=len(self.log.dead_letters))
        finding.note = (
            ", ".join(f"{topic}: {count}" for topic, count in sorted(self.log.dead_letters.items()))
            or "none"
        )
        return finding


@dataclass(frozen=True)
class PartitionLag:
    """How far a consumer group's committed position is behind a partition's end."""

    group: str
    topic: str
    partition: int
    committed: int
    end: int

    @property
    def lag(self) -> int:
        return max(0, self.end - self.committed)


def partition_lags(admin: Any, reader: Any, prefixes: Sequence[str]) -> list[PartitionLag]:
    """Every partition a consumer group (of `prefixes`, when given) committed a position on,
    with the partition's end now (kafka-python's admin client and a consumer without group)."""
    lags: list[PartitionLag] = []
    groups = [group["group_id"] for group in admin.list_groups()]
    groups = [g for g in groups if not prefixes or g.startswith(tuple(prefixes))]
    for group in sorted(groups):
        offsets = admin.list_group_offsets({group: None}).get(group, {})
        if not offsets:
            continue
        # kafka-python leaves out of end_offsets a partition whose leader it has not looked up
        # yet (a KeyError below): look up the topics first.
        for topic in sorted({tp.topic for tp in offsets}):
            reader.partitions_for_topic(topic)
        ends = reader.end_offsets(list(offsets))
        lags.extend(
            PartitionLag(group, tp.topic, tp.partition, meta.offset, ends[tp])
            for tp, meta in sorted(offsets.items())
        )
    return lags


@contextmanager
def lag_clients(bootstrap: str, client_id: str = "mercato-verify") -> Iterator[tuple[Any, Any]]:
    """An admin client and a group-less consumer for `partition_lags`, closed afterwards."""
    from kafka import KafkaAdminClient, KafkaConsumer

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id=client_id)
    try:
        reader = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, client_id=client_id)
        try:
            yield admin, reader
        finally:
            reader.close()
    finally:
        admin.close()


def consumer_lag(bootstrap: str, settle: float, prefixes: Sequence[str]) -> Finding:
    """Every consumer group (of `prefixes`, when given) caught up within `settle` seconds."""
    finding = Finding("consumer lag")
    with lag_clients(bootstrap) as (admin, reader):
        deadline = time.monotonic() + settle
        while True:
            lags = partition_lags(admin, reader, prefixes)
            lagging: Counter[str] = Counter()
            for lag in lags:
                lagging[lag.group] += lag.lag
            lagging = +lagging  # only the groups behind
            finding.checked = len({lag.group for lag in lags})
            if not lagging or time.monotonic() >= deadline:
                break
            time.sleep(1.0)
        finding.violations = [f"group {g} is {n} records behind" for g, n in lagging.items()]
    return finding


def operator_metadata(identity: Any, email: str, password: str) -> list[tuple[str, str]]:
    answer = identity.SignIn(
        accounts_pb2.SignInRequest(email=email, password=password), timeout=_TIMEOUT
    )
    return [("authorization", f"Bearer {answer.tokens.access_token.token}")]


def print_findings(console: Console, findings: Sequence[Finding]) -> None:
    table = Table(title="mercato verify")
    for column in ("check", "checked", "violations", "first violations / note"):
        table.add_column(column, justify="right" if column in ("checked", "violations") else "left")
    for finding in findings:
        first = "; ".join(finding.violations[:_SHOWN]) or finding.note
        style = "green" if finding.holds else "red"
        table.add_row(
            f"[{style}]{finding.check}[/]",
            str(finding.checked),
            str(len(finding.violations)),
            first,
        )
    console.print(table)


def run_checks(
    bootstrap: str,
    ledger_addr: str,
    catalog_addr: str,
    metadata: list[tuple[str, str]],
    settle: float,
    group_prefixes: Sequence[str],
    scope: Scope | None = None,
) -> list[Finding]:
    """Every check, in the order an operator reads them (lag first: the rest need it settled)."""
    lag = consumer_lag(bootstrap, settle, group_prefixes)
    log = Log(bootstrap)
    log.load(
        (
            "orders.order",
            "payments.payment",
            "payments.payout",
            "payments.app_charge",
            "payments.vendor_payout",
            "catalog.reservation",
            "catalog.product",
            "marketing.conversion",
        )
    )
    with (
        grpc.insecure_channel(ledger_addr) as ledger_channel,
        grpc.insecure_channel(catalog_addr) as catalog_channel,
    ):
        ledger = ledger_pb2_grpc.LedgerServiceStub(ledger_channel)  # type: ignore[no-untyped-call]
        catalog = catalog_grpc.CatalogServiceStub(catalog_channel)  # type: ignore[no-untyped-call]
        checks = Reconciliation(log, ledger, catalog, metadata, scope or Scope())
        trial = ledger.GetTrialBalance(
            ledger_pb2.GetTrialBalanceRequest(), metadata=metadata, timeout=_TIMEOUT
        )
        return [
            lag,
            checks.captures_once(),
            checks.ledger_once(),
            checks.app_store_once(),
            checks.final_escrow_zero(trial),
            checks.reservations(),
            checks.ledger_audit(trial),
            checks.commissions_reversed(),
            checks.dead_letters(),
        ]


def verify(
    bootstrap: str | None = typer.Option(
        None, "--bootstrap", help="Kafka bootstrap servers (default KAFKA_BOOTSTRAP_SERVERS)."
    ),
    operator_email: str = typer.Option(
        ...,
        "--operator-email",
        help="An operator account (its password: MERCATO_OPERATOR_PASSWORD).",
    ),
    settle: float = typer.Option(
        30.0, "--settle", help="Seconds to wait for every consumer group to catch up."
    ),
    group_prefix: list[str] = typer.Option(  # noqa: B008 (Typer's declaration style)
        [], "--group-prefix", help="Check only consumer groups with this prefix (repeatable)."
    ),
) -> None:
    """Reconcile a running Mercato across services from its log and public APIs (exit 1 on any
    violation). Addresses: IDENTITY_GRPC_ADDR, LEDGER_GRPC_ADDR, CATALOG_GRPC_ADDR."""
    console = Console(soft_wrap=True)
    try:
        servers = bootstrap_servers(bootstrap)
    except CliError as error:
        raise fail("verify", error) from error
    password = os.environ.get("MERCATO_OPERATOR_PASSWORD", "")
    if not password:
        raise fail("verify", CliError("MERCATO_OPERATOR_PASSWORD is not set"))
    addresses = {
        name: os.environ.get(f"{name.upper()}_GRPC_ADDR", default)
        for name, default in (
            ("identity", "127.0.0.1:50051"),
            ("ledger", "127.0.0.1:50057"),
            ("catalog", "127.0.0.1:50052"),
        )
    }
    try:
        with grpc.insecure_channel(addresses["identity"]) as channel:
            identity = accounts_pb2_grpc.AccountServiceStub(channel)  # type: ignore[no-untyped-call]
            metadata = operator_metadata(identity, operator_email, password)
        findings = run_checks(
            servers, addresses["ledger"], addresses["catalog"], metadata, settle, group_prefix
        )
    except grpc.RpcError as error:
        code = error.code().name if isinstance(error, grpc.Call) else "?"
        details = error.details() if isinstance(error, grpc.Call) else str(error)
        failure = CliError(f"a service refused or did not answer: {code} {details}")
        raise fail("verify", failure) from error
    except CliError as error:
        raise fail("verify", error) from error
    print_findings(console, findings)
    if not all(finding.holds for finding in findings):
        raise typer.Exit(code=1)
