"""The one module that knows both the domain and the generated protobuf code: published events
in (payments' money events, orders' milestones), gRPC messages out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from mercato.common.v1.money_pb2 import Money
from mercato.ledger.v1 import ledger_pb2 as pb
from mercato.orders.v1 import events_pb2 as orders
from mercato.payments.v1 import payments_pb2 as payments
from mercato_kit.consumer import ConsumedRecord
from mercato_kit.errors import InvalidArgument
from mercato_kit.events import EventEnvelope
from mercato_ledger.domain import (
    AsOf,
    BrokenLink,
    BudgetDeposited,
    EscrowReleased,
    InvalidMoneyFact,
    MoneyFact,
    OrderFact,
    OrderMilestone,
    PaymentCaptured,
    PayoutSent,
    ProcessingFeeCharged,
    RefundIssued,
    Source,
    Violation,
)
from mercato_ledger.domain.projections import (
    AccountBalance,
    EscrowFloat,
    MonthlyResult,
    Period,
    PeriodAmount,
    StatementLine,
    TrialBalance,
)

Fact = MoneyFact | OrderFact


def source_of(envelope: EventEnvelope, record: ConsumedRecord) -> Source:
    return Source(
        envelope.event_id,
        envelope.event_type,
        record.topic,
        record.partition,
        record.offset,
        envelope.occurred_at,
    )


def fact_from_event(envelope: EventEnvelope) -> Fact | None:
    """The event's fact for the ledger; None for a type that posts nothing or is unknown."""
    translate = _FACTS.get(envelope.event_type)
    return None if translate is None else translate(envelope)


def _amount(money: Money) -> tuple[str, int]:
    return money.currency, money.minor_units


def _captured(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(payments.PaymentCaptured)
    return PaymentCaptured(e.order_id, *_amount(e.amount))


def _fee(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(payments.ProcessingFeeCharged)
    return ProcessingFeeCharged(*_amount(e.fee))


def _refunded(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(payments.RefundIssued)
    return RefundIssued(e.order_id, *_amount(e.amount))


def _released(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(payments.EscrowReleased)
    if len({e.gross.currency, e.commission.currency, e.seller_net.currency}) != 1:
        raise InvalidMoneyFact(f"EscrowReleased of {e.order_id} mixes currencies")
    return EscrowReleased(
        e.order_id,
        e.seller_id,
        e.gross.currency,
        e.gross.minor_units,
        e.commission.minor_units,
        e.seller_net.minor_units,
    )


def _paid_out(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(payments.PayoutSent)
    return PayoutSent(e.seller_id, *_amount(e.amount))


def _deposited(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(payments.BudgetDeposited)
    return BudgetDeposited(e.advertiser_id, *_amount(e.amount))


def _milestone(
    message_type: type[Any], milestone: OrderMilestone, field: str
) -> Callable[[EventEnvelope], Fact]:
    def translate(envelope: EventEnvelope) -> Fact:
        e = envelope.unpack(message_type)
        return OrderFact(e.order_id, milestone, *_amount(getattr(e, field)))

    return translate


_FACTS: dict[str, Callable[[EventEnvelope], Fact]] = {
    payments.PaymentCaptured.DESCRIPTOR.full_name: _captured,
    payments.ProcessingFeeCharged.DESCRIPTOR.full_name: _fee,
    payments.RefundIssued.DESCRIPTOR.full_name: _refunded,
    payments.EscrowReleased.DESCRIPTOR.full_name: _released,
    payments.PayoutSent.DESCRIPTOR.full_name: _paid_out,
    payments.BudgetDeposited.DESCRIPTOR.full_name: _deposited,
    orders.OrderPaid.DESCRIPTOR.full_name: _milestone(
        orders.OrderPaid, OrderMilestone.PAID, "amount"
    ),
    orders.OrderCompleted.DESCRIPTOR.full_name: _milestone(
        orders.OrderCompleted, OrderMilestone.COMPLETED, "amount"
    ),
    orders.OrderRefunded.DESCRIPTOR.full_name: _milestone(
        orders.OrderRefunded, OrderMilestone.REFUNDED, "amount"
    ),
    orders.OrderCancelled.DESCRIPTOR.full_name: _milestone(
        orders.OrderCancelled, OrderMilestone.CANCELLED, "refunded"
    ),
}


# --- requests ------------------------------------------------------------------------------


def as_of(request: Message) -> AsOf:
    """The point a request's `as_of` names (now when it has none)."""
    if not request.HasField("as_of"):
        return AsOf()
    point: pb.AsOf = getattr(request, "as_of")  # noqa: B009 (every such request has one)
    time = point.time.ToDatetime(tzinfo=UTC) if point.HasField("time") else None
    sequence = point.sequence if point.HasField("sequence") else None
    return AsOf(time, sequence)


def period(value: int) -> Period:
    if value == pb.PERIOD_DAY:
        return Period.DAY
    if value == pb.PERIOD_MONTH:
        return Period.MONTH
    raise InvalidArgument("period", "must be PERIOD_DAY or PERIOD_MONTH")


# --- responses -----------------------------------------------------------------------------


def money(currency: str, minor_units: int) -> Money:
    return Money(currency=currency, minor_units=minor_units)


def timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def balance_response(
    account: str, balances: list[AccountBalance], sequence: int
) -> pb.GetBalanceResponse:
    return pb.GetBalanceResponse(
        account=account,
        balances=[money(b.currency, b.balance) for b in balances],
        sequence=sequence,
    )


def statement_line(line: StatementLine) -> pb.StatementLine:
    return pb.StatementLine(
        sequence=line.sequence,
        occurred_at=timestamp(line.occurred_at),
        event_id=line.event_id,
        event_type=line.event_type,
        amount=money(line.currency, line.amount),
        balance_after=money(line.currency, line.balance_after),
    )


def period_amount(amount: PeriodAmount) -> pb.PeriodAmount:
    return pb.PeriodAmount(
        period=amount.period,
        key=amount.key,
        amount=money(amount.currency, amount.amount),
        count=amount.count,
    )


def monthly_result(result: MonthlyResult) -> pb.MonthlyResult:
    return pb.MonthlyResult(
        month=result.month,
        revenue=money(result.currency, result.revenue),
        expenditure=money(result.currency, result.expenditure),
        net=money(result.currency, result.net),
    )


def escrow_float(held: EscrowFloat) -> pb.EscrowFloat:
    return pb.EscrowFloat(amount=money(held.currency, held.amount), orders=held.orders)


def account_balance(balance: AccountBalance) -> pb.AccountBalance:
    return pb.AccountBalance(
        account=balance.account, balance=money(balance.currency, balance.balance)
    )


def trial_balance(trial: TrialBalance) -> pb.GetTrialBalanceResponse:
    return pb.GetTrialBalanceResponse(
        balances=[account_balance(b) for b in trial.balances],
        debits=[money(c, amount) for c, amount in sorted(trial.debits.items())],
        credits=[money(c, amount) for c, amount in sorted(trial.credits.items())],
        balanced=trial.balanced,
    )


def audit_response(
    violations: list[Violation], broken: BrokenLink | None, verified: int
) -> pb.AuditResponse:
    response = pb.AuditResponse(
        violations=[pb.Violation(invariant=v.invariant, detail=v.detail) for v in violations],
        entries=verified,
    )
    if broken is not None:
        response.broken_link.CopyFrom(
            pb.BrokenLink(sequence=broken.sequence, event_id=broken.event_id, reason=broken.reason)
        )
    return response
