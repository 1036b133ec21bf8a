"""What the console asks of the services: sign-in at identity, the ledger's projections and
audit, an order's story in orders, payments, logistics and the ledger — each over the service's
public gRPC API with the signed-in operator's own token."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import grpc

from mercato.identity.v1 import accounts_pb2, accounts_pb2_grpc
from mercato.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from mercato.logistics.v1 import shipment_pb2, shipment_pb2_grpc
from mercato.orders.v1 import orders_pb2, orders_pb2_grpc
from mercato.payments.v1 import payments_pb2, payments_pb2_grpc
from mercato_cli.dlq import DeadLetterRecord
from mercato_cli.verify import PartitionLag
from mercato_console import _fabric
from mercato_console._endpoints import Endpoints
from mercato_console._format import major
from mercato_kit.auth import (
    Caller,
    RemoteKeyProvider,
    TokenVerifier,
    identity_key_fetcher,
)
from mercato_kit.errors import Unauthenticated
from mercato_kit.grpc import BALANCING_OPTIONS, channel_target

__all__ = [
    "Backend",
    "Business",
    "Fabric",
    "LedgerState",
    "NotAnOperator",
    "OrderStory",
    "ServiceRefused",
    "SignInRefused",
    "TimelineRow",
]

_TIMEOUT = 15.0
OPERATOR_ROLE = "operator"
Metadata = Sequence[tuple[str, str]]


class SignInRefused(Exception):
    """The e-mail address and password were not accepted (the reason is not told)."""


class NotAnOperator(Exception):
    """The account (or token) is valid but not an operator's."""


class ServiceRefused(Exception):
    """A service answered with an error a page shows: its status code and message."""

    def __init__(self, service: str, code: grpc.StatusCode, message: str) -> None:
        super().__init__(f"{service}: {code.name}: {message}")
        self.service = service
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Business:
    months: list[ledger_pb2.MonthlyResult]
    gmv_days: list[ledger_pb2.PeriodAmount]
    escrow: list[ledger_pb2.EscrowFloat]


@dataclass(frozen=True)
class LedgerState:
    trial: ledger_pb2.GetTrialBalanceResponse
    audit: ledger_pb2.AuditResponse | None
    as_of: ledger_pb2.AsOf | None
    running_audit: _fabric.Outbox | None = None
    """The ledger's metrics: its running audit's last result (when LEDGER_METRICS_ADDR is set)."""


@dataclass(frozen=True)
class TimelineRow:
    at: datetime | None
    service: str
    what: str
    detail: str


@dataclass
class OrderStory:
    order: orders_pb2.Order
    payment: payments_pb2.Payment | None
    shipment: shipment_pb2.Shipment | None
    escrow_lines: list[ledger_pb2.StatementLine]
    rows: list[TimelineRow] = field(default_factory=list)


@dataclass(frozen=True)
class Fabric:
    lags: list[PartitionLag]
    letters: list[DeadLetterRecord]
    outboxes: list[_fabric.Outbox]
    problems: list[str]


def _when(stamp: Any) -> datetime | None:
    if stamp is None or (stamp.seconds == 0 and stamp.nanos == 0):
        return None
    return stamp.ToDatetime(tzinfo=UTC)  # type: ignore[no-any-return]


def bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


class Backend:
    """The console's clients, opened by `start()` and closed by `close()` on the web app's
    event loop."""

    def __init__(self, endpoints: Endpoints) -> None:
        self.endpoints = endpoints
        self._channels: dict[str, grpc.aio.Channel] = {}
        self._verifier: TokenVerifier | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._channels = {  # round robin over a service's instances (its address names all)
            name: grpc.aio.insecure_channel(channel_target(address), options=BALANCING_OPTIONS)
            for name, address in self.endpoints.grpc.items()
        }
        self._verifier = TokenVerifier(
            RemoteKeyProvider(identity_key_fetcher(self.endpoints.grpc["identity"]))
        )
        self._session = aiohttp.ClientSession()

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()
        if self._session is not None:
            await self._session.close()

    # -- who is asking ------------------------------------------------------------------

    async def sign_in(self, email: str, password: str) -> str:
        """The operator's access token; SignInRefused or NotAnOperator otherwise."""
        stub = accounts_pb2_grpc.AccountServiceStub(self._channels["identity"])  # type: ignore[no-untyped-call]
        try:
            answer = await stub.SignIn(
                accounts_pb2.SignInRequest(email=email, password=password), timeout=_TIMEOUT
            )
        except grpc.aio.AioRpcError as error:
            if error.code() in (
                grpc.StatusCode.UNAUTHENTICATED,
                grpc.StatusCode.INVALID_ARGUMENT,
                grpc.StatusCode.NOT_FOUND,
                grpc.StatusCode.PERMISSION_DENIED,
                grpc.StatusCode.RESOURCE_EXHAUSTED,
            ):
                raise SignInRefused from None
            raise ServiceRefused("identity", error.code(), error.details() or "") from None
        token = str(answer.tokens.access_token.token)
        await self.operator(token)
        return token

    async def operator(self, token: str) -> Caller:
        """The operator a token proves (Unauthenticated, or NotAnOperator when it is someone
        else's)."""
        assert self._verifier is not None, "start() the backend first"
        caller = await self._verifier.verify(token)
        if caller.kind != "account" or OPERATOR_ROLE not in caller.roles:
            raise NotAnOperator
        return caller

    async def sign_out(self, token: str) -> None:
        stub = accounts_pb2_grpc.AccountServiceStub(self._channels["identity"])  # type: ignore[no-untyped-call]
        # An expired session is over already; the cookie goes either way.
        with contextlib.suppress(grpc.aio.AioRpcError):
            await stub.SignOut(
                accounts_pb2.SignOutRequest(idempotency_key=f"console-{uuid.uuid4()}"),
                metadata=bearer(token),
                timeout=_TIMEOUT,
            )

    # -- the ledger ---------------------------------------------------------------------

    def _ledger(self) -> Any:
        return ledger_pb2_grpc.LedgerServiceStub(self._channels["ledger"])  # type: ignore[no-untyped-call]

    async def _call(self, service: str, method: Any, request: Any, token: str) -> Any:
        try:
            return await method(request, metadata=bearer(token), timeout=_TIMEOUT)
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.UNAUTHENTICATED:
                raise Unauthenticated(error.details() or "not signed in") from None
            raise ServiceRefused(service, error.code(), error.details() or "") from None

    async def business(self, token: str, as_of: ledger_pb2.AsOf | None) -> Business:
        """The monthly result, GMV per day and the escrow float (as of a point, when given)."""
        ledger = self._ledger()
        monthly, gmv, escrow = await asyncio.gather(
            self._call(
                "ledger",
                ledger.GetMonthlyResult,
                ledger_pb2.GetMonthlyResultRequest(as_of=as_of),
                token,
            ),
            self._call(
                "ledger",
                ledger.GetGrossMerchandiseVolume,
                ledger_pb2.GetGrossMerchandiseVolumeRequest(
                    period=ledger_pb2.PERIOD_DAY, as_of=as_of
                ),
                token,
            ),
            self._call(
                "ledger",
                ledger.GetEscrowFloat,
                ledger_pb2.GetEscrowFloatRequest(as_of=as_of),
                token,
            ),
        )
        return Business(list(monthly.months), list(gmv.amounts), list(escrow.floats))

    async def ledger_state(self, token: str, as_of: ledger_pb2.AsOf | None) -> LedgerState:
        """The trial balance (as of a point, when given) and, for now, the audit."""
        ledger = self._ledger()
        trial_request = ledger_pb2.GetTrialBalanceRequest(as_of=as_of)
        if as_of is not None:
            trial = await self._call("ledger", ledger.GetTrialBalance, trial_request, token)
            return LedgerState(trial, None, as_of)
        assert self._session is not None, "start() the backend first"
        trial, audit, metrics = await asyncio.gather(
            self._call("ledger", ledger.GetTrialBalance, trial_request, token),
            self._call("ledger", ledger.Audit, ledger_pb2.AuditRequest(), token),
            _fabric.service_metrics("ledger", self.endpoints, self._session),
        )
        return LedgerState(trial, audit, None, metrics)

    # -- an order across the services ---------------------------------------------------

    async def order_story(self, token: str, order_id: str) -> OrderStory:
        orders = orders_pb2_grpc.OrderServiceStub(self._channels["orders"])  # type: ignore[no-untyped-call]
        found = await self._call(
            "orders", orders.GetOrder, orders_pb2.GetOrderRequest(order_id=order_id), token
        )
        order = found.order
        payment, shipment, lines = await asyncio.gather(
            self._payment(token, order_id),
            self._shipment(token, order.shipment_id),
            self._escrow_lines(token, order_id),
        )
        story = OrderStory(order, payment, shipment, lines)
        rows = [
            TimelineRow(
                _when(entry.at),
                "orders",
                entry.event,
                f"{orders_pb2.OrderStatus.Name(entry.status).removeprefix('ORDER_STATUS_')}"
                + (f" — {entry.note}" if entry.note else ""),
            )
            for entry in found.timeline
        ]
        if shipment is not None:
            rows += [
                TimelineRow(
                    _when(step.occurred_at),
                    "logistics",
                    shipment_pb2.ShipmentStatus.Name(step.status).removeprefix("SHIPMENT_STATUS_"),
                    " — ".join(part for part in (step.location, step.note) if part),
                )
                for step in shipment.tracking
            ]
        rows += [
            TimelineRow(
                _when(line.occurred_at),
                "ledger",
                line.event_type.rsplit(".", 1)[-1],
                f"journal #{line.sequence}: escrow {major(line.amount.minor_units)} "
                f"{line.amount.currency} (debit positive), then "
                f"{major(line.balance_after.minor_units)} {line.balance_after.currency}",
            )
            for line in lines
        ]
        story.rows = sorted(rows, key=lambda row: row.at or datetime.min.replace(tzinfo=UTC))
        return story

    async def _payment(self, token: str, order_id: str) -> payments_pb2.Payment | None:
        payments = payments_pb2_grpc.PaymentServiceStub(self._channels["payments"])  # type: ignore[no-untyped-call]
        try:
            answer = await self._call(
                "payments",
                payments.GetPayment,
                payments_pb2.GetPaymentRequest(order_id=order_id),
                token,
            )
        except ServiceRefused as refused:
            if refused.code == grpc.StatusCode.NOT_FOUND:
                return None
            raise
        return answer.payment  # type: ignore[no-any-return]

    async def _shipment(self, token: str, shipment_id: str) -> shipment_pb2.Shipment | None:
        if not shipment_id:
            return None
        logistics = shipment_pb2_grpc.ShipmentServiceStub(self._channels["logistics"])  # type: ignore[no-untyped-call]
        try:
            answer = await self._call(
                "logistics",
                logistics.GetShipment,
                shipment_pb2.GetShipmentRequest(shipment_id=shipment_id),
                token,
            )
        except ServiceRefused as refused:
            if refused.code == grpc.StatusCode.NOT_FOUND:
                return None
            raise
        return answer.shipment  # type: ignore[no-any-return]

    async def _escrow_lines(self, token: str, order_id: str) -> list[ledger_pb2.StatementLine]:
        try:
            answer = await self._call(
                "ledger",
                self._ledger().GetStatement,
                ledger_pb2.GetStatementRequest(account=f"liability:escrow:{order_id}", limit=100),
                token,
            )
        except ServiceRefused as refused:
            if refused.code == grpc.StatusCode.NOT_FOUND:
                return []
            raise
        return list(answer.lines)

    # -- the fabric ---------------------------------------------------------------------

    async def fabric(self) -> Fabric:
        """Lag and dead letters from Kafka (in threads: kafka-python blocks), outboxes from
        the metrics endpoints."""
        assert self._session is not None, "start() the backend first"
        lags, letters, outboxes = await asyncio.gather(
            asyncio.to_thread(_fabric.lags, self.endpoints),
            asyncio.to_thread(_fabric.dead_letters, self.endpoints),
            _fabric.outboxes(self.endpoints, self._session),
            return_exceptions=True,
        )
        problems = [
            f"{what}: {answer}"
            for what, answer in (("consumer lag", lags), ("dead letters", letters))
            if isinstance(answer, BaseException)
        ]
        return Fabric(
            lags if isinstance(lags, list) else [],
            letters if isinstance(letters, list) else [],
            outboxes if isinstance(outboxes, list) else [],
            problems,
        )

    async def dead_letters(self) -> list[DeadLetterRecord]:
        return await asyncio.to_thread(_fabric.dead_letters, self.endpoints)

    async def redrive(self, dlq_topic: str, partition: int, offset: int) -> _fabric.Redriven:
        return await asyncio.to_thread(
            _fabric.redrive, self.endpoints, dlq_topic, partition, offset
        )
