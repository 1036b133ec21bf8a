"""The one module that knows both the domain and the generated protobuf code: published events
in (payments' and marketing's money events, orders' milestones), gRPC messages out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf.message import Message

from mercato.common.v1 import money_pb2
from mercato.ledger.v1 import ledger_pb2 as pb
from mercato.marketing.v1 import events_pb2 as marketing
from mercato.marketing.v1 import marketing_pb2
from mercato.orders.v1 import events_pb2 as orders
from mercato.payments.v1 import payments_pb2 as payments
from mercato_kit.errors import InvalidArgument
from mercato_kit.events import EventEnvelope
from mercato_kit.money import Money
from mercato_kit.protobuf import datetime_of, money_message, money_of, timestamp_message
from mercato_ledger.adapters.log import LogRecord
from mercato_ledger.domain import (
    AdClicked,
    AppCharged,
    AppChargeRefunded,
    AsOf,
    BrokenLink,
    BudgetDeposited,
    ClickInvalidated,
    CommissionCharged,
    ConversionReversed,
    EscrowReleased,
    MoneyFact,
    OrderFact,
    OrderMilestone,
    PaymentCaptured,
    PayoutSent,
    ProcessingFeeCharged,
    PublisherPaidOut,
    RefundIssued,
    Source,
    VendorPaidOut,
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


def source_of(envelope: EventEnvelope, record: LogRecord) -> Source:
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


def _captured(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(payments.PaymentCaptured)
    return PaymentCaptured(e.order_id, money_of(e.amount))


def _fee(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(payments.ProcessingFeeCharged)
    return ProcessingFeeCharged(money_of(e.fee))


def _refunded(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(payments.RefundIssued)
    return RefundIssued(e.order_id, money_of(e.amount))


def _released(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(payments.EscrowReleased)
    return EscrowReleased(
        e.order_id,
        e.seller_id,
        money_of(e.gross),
        money_of(e.commission),
        money_of(e.seller_net),
    )


def _paid_out(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(payments.PayoutSent)
    return PayoutSent(e.seller_id, money_of(e.amount))


def _deposited(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(payments.BudgetDeposited)
    return BudgetDeposited(e.advertiser_id, money_of(e.amount))


def _app_charged(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(payments.AppCharged)
    return AppCharged(
        e.vendor_id, money_of(e.amount), money_of(e.platform_share), money_of(e.vendor_share)
    )


def _app_charge_refunded(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(payments.AppChargeRefunded)
    return AppChargeRefunded(
        e.vendor_id, money_of(e.amount), money_of(e.platform_share), money_of(e.vendor_share)
    )


def _vendor_paid_out(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(payments.VendorPaidOut)
    return VendorPaidOut(e.vendor_id, money_of(e.amount))


def _ad_clicked(envelope: EventEnvelope) -> Fact | None:
    """A CPC click's charge; a CPS click is charged nothing (the sale pays)."""
    e = envelope.unpack(marketing.AdClicked)
    if e.pricing != marketing_pb2.PRICING_MODEL_CPC:
        return None
    return AdClicked(
        e.advertiser_id,
        e.publisher_id,
        money_of(e.cost),
        money_of(e.publisher_share),
        money_of(e.platform_share),
    )


def _click_invalidated(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(marketing.ClickInvalidated)
    return ClickInvalidated(
        e.advertiser_id,
        e.publisher_id,
        money_of(e.cost),
        money_of(e.publisher_share),
        money_of(e.platform_share),
    )


def _commission_charged(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(marketing.CommissionCharged)
    return CommissionCharged(
        e.advertiser_id,
        e.publisher_id,
        money_of(e.commission),
        money_of(e.publisher_share),
        money_of(e.platform_share),
    )


def _conversion_reversed(envelope: EventEnvelope) -> Fact | None:
    """A charged commission reversed; a reversal that only released a hold posts nothing."""
    e = envelope.unpack(marketing.ConversionReversed)
    if e.commission.minor_units == 0:
        return None
    return ConversionReversed(
        e.advertiser_id,
        e.publisher_id,
        money_of(e.commission),
        money_of(e.publisher_share),
        money_of(e.platform_share),
    )


def _publisher_paid_out(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(marketing.PublisherPaidOut)
    return PublisherPaidOut(e.publisher_id, money_of(e.amount))


def _milestone(
    message_type: type[Any], milestone: OrderMilestone, field: str
) -> Callable[[EventEnvelope], Fact]:
    def translate(envelope: EventEnvelope) -> Fact:
        e = envelope.unpack(message_type)
        return OrderFact(e.order_id, milestone, money_of(getattr(e, field)))

    return translate


_FACTS: dict[str, Callable[[EventEnvelope], Fact | None]] = {
    payments.PaymentCaptured.DESCRIPTOR.full_name: _captured,
    payments.ProcessingFeeCharged.DESCRIPTOR.full_name: _fee,
    payments.RefundIssued.DESCRIPTOR.full_name: _refunded,
    payments.EscrowReleased.DESCRIPTOR.full_name: _released,
    payments.PayoutSent.DESCRIPTOR.full_name: _paid_out,
    payments.BudgetDeposited.DESCRIPTOR.full_name: _deposited,
    # The app store (its declines and batch closings post nothing; its processing fee is
    # ProcessingFeeCharged above).
    payments.AppCharged.DESCRIPTOR.full_name: _app_charged,
    payments.AppChargeRefunded.DESCRIPTOR.full_name: _app_charge_refunded,
    payments.VendorPaidOut.DESCRIPTOR.full_name: _vendor_paid_out,
    # Marketing: its other types (campaigns, budgets, attributions, lapses, rejected clicks,
    # batch closings) post nothing.
    marketing.AdClicked.DESCRIPTOR.full_name: _ad_clicked,
    marketing.ClickInvalidated.DESCRIPTOR.full_name: _click_invalidated,
    marketing.CommissionCharged.DESCRIPTOR.full_name: _commission_charged,
    marketing.ConversionReversed.DESCRIPTOR.full_name: _conversion_reversed,
    marketing.PublisherPaidOut.DESCRIPTOR.full_name: _publisher_paid_out,
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
    time = datetime_of(point.time) if point.HasField("time") else None
    sequence = point.sequence if point.HasField("sequence") else None
    return AsOf(time, sequence)


def period(value: int) -> Period:
    if value == pb.PERIOD_DAY:
        return Period.DAY
    if value == pb.PERIOD_MONTH:
        return Period.MONTH
    raise InvalidArgument("period", "must be PERIOD_DAY or PERIOD_MONTH")


# --- responses -----------------------------------------------------------------------------


def _money(currency: str, minor_units: int) -> money_pb2.Money:
    return money_message(Money(minor_units=minor_units, currency=currency))


def balance_response(
    account: str, balances: list[AccountBalance], sequence: int
) -> pb.GetBalanceResponse:
    return pb.GetBalanceResponse(
        account=account,
        balances=[_money(b.currency, b.balance) for b in balances],
        sequence=sequence,
    )


def statement_line(line: StatementLine) -> pb.StatementLine:
    return pb.StatementLine(
        sequence=line.sequence,
        occurred_at=timestamp_message(line.occurred_at),
        event_id=line.event_id,
        event_type=line.event_type,
        amount=_money(line.currency, line.amount),
        balance_after=_money(line.currency, line.balance_after),
    )


def period_amount(amount: PeriodAmount) -> pb.PeriodAmount:
    return pb.PeriodAmount(
        period=amount.period,
        key=amount.key,
        amount=_money(amount.currency, amount.amount),
        count=amount.count,
    )


def monthly_result(result: MonthlyResult) -> pb.MonthlyResult:
    currency = result.currency
    return pb.MonthlyResult(
        month=result.month,
        revenue=_money(currency, result.revenue),
        expenditure=_money(currency, result.expenditure),
        net=_money(currency, result.net),
        revenue_by_stream=[
            pb.MonthlyAmount(key=key, amount=_money(currency, amount))
            for key, amount in result.revenue_by_stream
        ],
        expenditure_by_category=[
            pb.MonthlyAmount(key=key, amount=_money(currency, amount))
            for key, amount in result.expenditure_by_category
        ],
        advertising=_money(currency, result.advertising),
        advertising_covers_expenditure=result.advertising_covers_expenditure,
        advertising_to_expenditure_bps=result.advertising_to_expenditure_bps,
    )


def escrow_float(held: EscrowFloat) -> pb.EscrowFloat:
    return pb.EscrowFloat(amount=_money(held.currency, held.amount), orders=held.orders)


def account_balance(balance: AccountBalance) -> pb.AccountBalance:
    return pb.AccountBalance(
        account=balance.account, balance=_money(balance.currency, balance.balance)
    )


def trial_balance(trial: TrialBalance) -> pb.GetTrialBalanceResponse:
    return pb.GetTrialBalanceResponse(
        balances=[account_balance(b) for b in trial.balances],
        debits=[_money(c, amount) for c, amount in sorted(trial.debits.items())],
        credits=[_money(c, amount) for c, amount in sorted(trial.credits.items())],
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
