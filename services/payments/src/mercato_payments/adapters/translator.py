"""The one module that imports both the domain and the generated protobuf code: events to and
from their published payloads, requests to commands, aggregates to response messages."""

from __future__ import annotations

from google.protobuf.message import Message

from mercato.common.v1 import money_pb2
from mercato.payments.v1 import payments_pb2 as pb
from mercato_kit.domain import DomainEvent
from mercato_kit.errors import InvalidArgument
from mercato_kit.events import EventEnvelope
from mercato_kit.money import Money
from mercato_kit.protobuf import money_message, money_of, requested_money
from mercato_payments.domain import (
    AdvertiserBudget,
    AppCharge,
    AppChargeStatus,
    AppChargeTerms,
    AppRefund,
    AppSplit,
    CapturePayment,
    ChargeAppSubscription,
    ChargeOutcome,
    DeclineReason,
    DepositBudget,
    OrderTerms,
    Payment,
    PaymentStatus,
    PayoutBatch,
    Refund,
    RefundAppCharge,
    RefundPayment,
    ReleaseEscrow,
    RunPayoutBatch,
    RunVendorPayoutBatch,
    VendorPayoutBatch,
)

_TIERS = {pb.SHOP_TIER_STANDARD: "standard", pb.SHOP_TIER_FLAGSHIP: "flagship"}
_TIER_VALUES = {name: value for value, name in _TIERS.items()}
_REASONS = {
    DeclineReason.CARD_DECLINED: pb.DECLINE_REASON_CARD_DECLINED,
    DeclineReason.PROVIDER_TIMEOUT: pb.DECLINE_REASON_PROVIDER_TIMEOUT,
    DeclineReason.PROVIDER_ERROR: pb.DECLINE_REASON_PROVIDER_ERROR,
    DeclineReason.UNKNOWN_INSTRUMENT: pb.DECLINE_REASON_UNKNOWN_INSTRUMENT,
}
_REASON_NAMES = {value: reason for reason, value in _REASONS.items()}
_STATUSES = {
    PaymentStatus.NEW: pb.PAYMENT_STATUS_UNSPECIFIED,
    PaymentStatus.DECLINED: pb.PAYMENT_STATUS_DECLINED,
    PaymentStatus.CAPTURED: pb.PAYMENT_STATUS_CAPTURED,
    PaymentStatus.RELEASED: pb.PAYMENT_STATUS_RELEASED,
    PaymentStatus.REFUNDED: pb.PAYMENT_STATUS_REFUNDED,
    PaymentStatus.VOIDED: pb.PAYMENT_STATUS_VOIDED,
}

_APP_STATUSES = {
    AppChargeStatus.NEW: pb.APP_CHARGE_STATUS_UNSPECIFIED,
    AppChargeStatus.DECLINED: pb.APP_CHARGE_STATUS_DECLINED,
    AppChargeStatus.CHARGED: pb.APP_CHARGE_STATUS_CHARGED,
    AppChargeStatus.REFUNDED: pb.APP_CHARGE_STATUS_REFUNDED,
}


def _reason(reason: DeclineReason | None) -> pb.DeclineReason:
    return _REASONS[reason] if reason is not None else pb.DECLINE_REASON_UNSPECIFIED


class PaymentsTranslator:
    """Payments' domain events <-> mercato.payments.v1 payloads (the kit's EventTranslator)."""

    def to_payload(self, event: DomainEvent) -> Message:
        match event:
            case Payment.Captured():
                return pb.PaymentCaptured(
                    order_id=event.order_id,
                    buyer_id=event.buyer_id,
                    seller_id=event.seller_id,
                    shop_id=event.shop_id,
                    shop_tier=_TIER_VALUES[event.shop_tier],
                    amount=money_message(event.amount),
                    charge_id=event.charge_id,
                    commission_rate_bps=event.commission_rate_bps,
                    attempt=event.attempt,
                )
            case Payment.ProcessingFeeCharged():
                return pb.ProcessingFeeCharged(
                    purpose=pb.CHARGE_PURPOSE_ORDER_PAYMENT,
                    order_id=event.order_id,
                    charge_id=event.charge_id,
                    gross=money_message(event.gross),
                    fee=money_message(event.fee),
                    net_settled=money_message(event.net_settled),
                    fee_rate_bps=event.fee_rate_bps,
                )
            case Payment.Declined():
                return pb.PaymentDeclined(
                    order_id=event.order_id,
                    buyer_id=event.buyer_id,
                    seller_id=event.seller_id,
                    shop_id=event.shop_id,
                    shop_tier=_TIER_VALUES[event.shop_tier],
                    amount=money_message(event.amount),
                    reason=_REASONS[event.reason],
                    attempt=event.attempt,
                )
            case Payment.Voided():
                return pb.PaymentVoided(
                    order_id=event.order_id,
                    refund_id=event.refund_id,
                    reason=event.reason,
                    buyer_id=event.buyer_id,
                    seller_id=event.seller_id,
                    declined_attempts=event.declined_attempts,
                )
            case Payment.RefundIssued():
                return pb.RefundIssued(
                    order_id=event.order_id,
                    buyer_id=event.buyer_id,
                    seller_id=event.seller_id,
                    refund_id=event.refund_id,
                    amount=money_message(event.amount),
                    refunded_total=money_message(event.refunded_total),
                    remaining_in_escrow=money_message(event.remaining_in_escrow),
                    full=event.full,
                    reason=event.reason,
                )
            case Payment.EscrowReleased():
                return pb.EscrowReleased(
                    order_id=event.order_id,
                    seller_id=event.seller_id,
                    shop_id=event.shop_id,
                    shop_tier=_TIER_VALUES[event.shop_tier],
                    gross=money_message(event.gross),
                    commission=money_message(event.commission),
                    seller_net=money_message(event.seller_net),
                    commission_rate_bps=event.commission_rate_bps,
                    captured=money_message(event.captured),
                    refunded=money_message(event.refunded),
                )
            case PayoutBatch.PayoutSent():
                return pb.PayoutSent(
                    batch_id=event.batch_id,
                    payout_id=event.payout_id,
                    seller_id=event.seller_id,
                    amount=money_message(event.amount),
                )
            case PayoutBatch.Closed():
                return pb.PayoutBatchClosed(
                    batch_id=event.batch_id,
                    currency=event.currency,
                    payout_count=event.payout_count,
                    total=money_message(event.total),
                )
            case AdvertiserBudget.Deposited():
                return pb.BudgetDeposited(
                    advertiser_id=event.advertiser_id,
                    deposit_id=event.deposit_id,
                    amount=money_message(event.amount),
                    charge_id=event.charge_id,
                    total_deposited=money_message(event.total_deposited),
                )
            case AdvertiserBudget.ProcessingFeeCharged():
                return pb.ProcessingFeeCharged(
                    purpose=pb.CHARGE_PURPOSE_BUDGET_DEPOSIT,
                    advertiser_id=event.advertiser_id,
                    deposit_id=event.deposit_id,
                    charge_id=event.charge_id,
                    gross=money_message(event.gross),
                    fee=money_message(event.fee),
                    net_settled=money_message(event.net_settled),
                    fee_rate_bps=event.fee_rate_bps,
                )
            case AppCharge.Charged():
                return pb.AppCharged(
                    charge_id=event.charge_id,
                    subscription_id=event.subscription_id,
                    listing_id=event.listing_id,
                    vendor_id=event.vendor_id,
                    seller_id=event.seller_id,
                    amount=money_message(event.amount),
                    platform_share=money_message(event.platform_share),
                    vendor_share=money_message(event.vendor_share),
                    provider_charge_id=event.provider_charge_id,
                    attempt=event.attempt,
                )
            case AppCharge.ProcessingFeeCharged():
                return pb.ProcessingFeeCharged(
                    purpose=pb.CHARGE_PURPOSE_APP_SUBSCRIPTION,
                    app_charge_id=event.charge_id,
                    charge_id=event.provider_charge_id,
                    gross=money_message(event.gross),
                    fee=money_message(event.fee),
                    net_settled=money_message(event.net_settled),
                    fee_rate_bps=event.fee_rate_bps,
                )
            case AppCharge.Declined():
                return pb.AppChargeDeclined(
                    charge_id=event.charge_id,
                    subscription_id=event.subscription_id,
                    listing_id=event.listing_id,
                    vendor_id=event.vendor_id,
                    seller_id=event.seller_id,
                    amount=money_message(event.amount),
                    platform_share=money_message(event.platform_share),
                    vendor_share=money_message(event.vendor_share),
                    reason=_REASONS[event.reason],
                    attempt=event.attempt,
                )
            case AppCharge.Refunded():
                return pb.AppChargeRefunded(
                    charge_id=event.charge_id,
                    refund_id=event.refund_id,
                    subscription_id=event.subscription_id,
                    vendor_id=event.vendor_id,
                    seller_id=event.seller_id,
                    amount=money_message(event.amount),
                    platform_share=money_message(event.platform_share),
                    vendor_share=money_message(event.vendor_share),
                    refunded_total=money_message(event.refunded_total),
                    full=event.full,
                    reason=event.reason,
                )
            case VendorPayoutBatch.PaidOut():
                return pb.VendorPaidOut(
                    batch_id=event.batch_id,
                    payout_id=event.payout_id,
                    vendor_id=event.vendor_id,
                    amount=money_message(event.amount),
                )
            case VendorPayoutBatch.Closed():
                return pb.VendorPayoutBatchClosed(
                    batch_id=event.batch_id,
                    currency=event.currency,
                    payout_count=event.payout_count,
                    total=money_message(event.total),
                )
        raise TypeError(f"no payload for {type(event).__name__}")

    def from_envelope(self, envelope: EventEnvelope) -> DomainEvent:
        kind, name = envelope.aggregate_type, envelope.event_type.rpartition(".")[2]
        match kind, name:
            case "payments.payment", "PaymentCaptured":
                captured = envelope.unpack(pb.PaymentCaptured)
                return Payment.Captured(
                    order_id=captured.order_id,
                    buyer_id=captured.buyer_id,
                    seller_id=captured.seller_id,
                    shop_id=captured.shop_id,
                    shop_tier=_TIERS[captured.shop_tier],
                    amount=money_of(captured.amount),
                    charge_id=captured.charge_id,
                    commission_rate_bps=captured.commission_rate_bps,
                    attempt=captured.attempt,
                )
            case "payments.payment", "ProcessingFeeCharged":
                fee = envelope.unpack(pb.ProcessingFeeCharged)
                return Payment.ProcessingFeeCharged(
                    order_id=fee.order_id,
                    charge_id=fee.charge_id,
                    gross=money_of(fee.gross),
                    fee=money_of(fee.fee),
                    net_settled=money_of(fee.net_settled),
                    fee_rate_bps=fee.fee_rate_bps,
                )
            case "payments.payment", "PaymentDeclined":
                declined = envelope.unpack(pb.PaymentDeclined)
                return Payment.Declined(
                    order_id=declined.order_id,
                    buyer_id=declined.buyer_id,
                    seller_id=declined.seller_id,
                    shop_id=declined.shop_id,
                    shop_tier=_TIERS[declined.shop_tier],
                    amount=money_of(declined.amount),
                    reason=_REASON_NAMES[declined.reason],
                    attempt=declined.attempt,
                )
            case "payments.payment", "PaymentVoided":
                voided = envelope.unpack(pb.PaymentVoided)
                return Payment.Voided(
                    order_id=voided.order_id,
                    refund_id=voided.refund_id,
                    reason=voided.reason,
                    buyer_id=voided.buyer_id,
                    seller_id=voided.seller_id,
                    declined_attempts=voided.declined_attempts,
                )
            case "payments.payment", "RefundIssued":
                refund = envelope.unpack(pb.RefundIssued)
                return Payment.RefundIssued(
                    order_id=refund.order_id,
                    buyer_id=refund.buyer_id,
                    seller_id=refund.seller_id,
                    refund_id=refund.refund_id,
                    amount=money_of(refund.amount),
                    refunded_total=money_of(refund.refunded_total),
                    remaining_in_escrow=money_of(refund.remaining_in_escrow),
                    full=refund.full,
                    reason=refund.reason,
                )
            case "payments.payment", "EscrowReleased":
                released = envelope.unpack(pb.EscrowReleased)
                return Payment.EscrowReleased(
                    order_id=released.order_id,
                    seller_id=released.seller_id,
                    shop_id=released.shop_id,
                    shop_tier=_TIERS[released.shop_tier],
                    gross=money_of(released.gross),
                    commission=money_of(released.commission),
                    seller_net=money_of(released.seller_net),
                    commission_rate_bps=released.commission_rate_bps,
                    captured=money_of(released.captured),
                    refunded=money_of(released.refunded),
                )
            case "payments.payout", "PayoutSent":
                sent = envelope.unpack(pb.PayoutSent)
                return PayoutBatch.PayoutSent(
                    sent.batch_id, sent.payout_id, sent.seller_id, money_of(sent.amount)
                )
            case "payments.payout", "PayoutBatchClosed":
                closed = envelope.unpack(pb.PayoutBatchClosed)
                return PayoutBatch.Closed(
                    closed.batch_id, closed.currency, closed.payout_count, money_of(closed.total)
                )
            case "payments.budget", "BudgetDeposited":
                deposited = envelope.unpack(pb.BudgetDeposited)
                return AdvertiserBudget.Deposited(
                    advertiser_id=deposited.advertiser_id,
                    deposit_id=deposited.deposit_id,
                    amount=money_of(deposited.amount),
                    charge_id=deposited.charge_id,
                    total_deposited=money_of(deposited.total_deposited),
                )
            case "payments.budget", "ProcessingFeeCharged":
                fee = envelope.unpack(pb.ProcessingFeeCharged)
                return AdvertiserBudget.ProcessingFeeCharged(
                    advertiser_id=fee.advertiser_id,
                    deposit_id=fee.deposit_id,
                    charge_id=fee.charge_id,
                    gross=money_of(fee.gross),
                    fee=money_of(fee.fee),
                    net_settled=money_of(fee.net_settled),
                    fee_rate_bps=fee.fee_rate_bps,
                )
            case "payments.app_charge", "AppCharged":
                charged = envelope.unpack(pb.AppCharged)
                return AppCharge.Charged(
                    charge_id=charged.charge_id,
                    subscription_id=charged.subscription_id,
                    listing_id=charged.listing_id,
                    vendor_id=charged.vendor_id,
                    seller_id=charged.seller_id,
                    amount=money_of(charged.amount),
                    platform_share=money_of(charged.platform_share),
                    vendor_share=money_of(charged.vendor_share),
                    provider_charge_id=charged.provider_charge_id,
                    attempt=charged.attempt,
                )
            case "payments.app_charge", "ProcessingFeeCharged":
                fee = envelope.unpack(pb.ProcessingFeeCharged)
                return AppCharge.ProcessingFeeCharged(
                    charge_id=fee.app_charge_id,
                    provider_charge_id=fee.charge_id,
                    gross=money_of(fee.gross),
                    fee=money_of(fee.fee),
                    net_settled=money_of(fee.net_settled),
                    fee_rate_bps=fee.fee_rate_bps,
                )
            case "payments.app_charge", "AppChargeDeclined":
                app_declined = envelope.unpack(pb.AppChargeDeclined)
                return AppCharge.Declined(
                    charge_id=app_declined.charge_id,
                    subscription_id=app_declined.subscription_id,
                    listing_id=app_declined.listing_id,
                    vendor_id=app_declined.vendor_id,
                    seller_id=app_declined.seller_id,
                    amount=money_of(app_declined.amount),
                    platform_share=money_of(app_declined.platform_share),
                    vendor_share=money_of(app_declined.vendor_share),
                    reason=_REASON_NAMES[app_declined.reason],
                    attempt=app_declined.attempt,
                )
            case "payments.app_charge", "AppChargeRefunded":
                refunded = envelope.unpack(pb.AppChargeRefunded)
                return AppCharge.Refunded(
                    charge_id=refunded.charge_id,
                    refund_id=refunded.refund_id,
                    subscription_id=refunded.subscription_id,
                    vendor_id=refunded.vendor_id,
                    seller_id=refunded.seller_id,
                    amount=money_of(refunded.amount),
                    platform_share=money_of(refunded.platform_share),
                    vendor_share=money_of(refunded.vendor_share),
                    refunded_total=money_of(refunded.refunded_total),
                    full=refunded.full,
                    reason=refunded.reason,
                )
            case "payments.vendor_payout", "VendorPaidOut":
                paid = envelope.unpack(pb.VendorPaidOut)
                return VendorPayoutBatch.PaidOut(
                    paid.batch_id, paid.payout_id, paid.vendor_id, money_of(paid.amount)
                )
            case "payments.vendor_payout", "VendorPayoutBatchClosed":
                vendor_closed = envelope.unpack(pb.VendorPayoutBatchClosed)
                return VendorPayoutBatch.Closed(
                    vendor_closed.batch_id,
                    vendor_closed.currency,
                    vendor_closed.payout_count,
                    money_of(vendor_closed.total),
                )
        raise TypeError(f"unknown {kind} event {envelope.event_type}")


def capture_command(request: pb.CapturePaymentRequest) -> CapturePayment:
    if request.shop_tier not in _TIERS:
        raise InvalidArgument("shop_tier", "must be SHOP_TIER_STANDARD or SHOP_TIER_FLAGSHIP")
    terms = OrderTerms(
        buyer_id=request.buyer_id,
        seller_id=request.seller_id,
        shop_id=request.shop_id,
        shop_tier=_TIERS[request.shop_tier],
        amount=requested_money(request.amount, field="amount"),
    )
    return CapturePayment(request.order_id, terms, request.instrument)


def release_command(request: pb.ReleaseEscrowRequest) -> ReleaseEscrow:
    return ReleaseEscrow(request.order_id)


def refund_command(request: pb.RefundPaymentRequest) -> RefundPayment:
    amount = requested_money(request.amount, field="amount") if request.HasField("amount") else None
    return RefundPayment(request.order_id, request.refund_id, amount, request.reason)


def payout_command(request: pb.RunPayoutBatchRequest) -> RunPayoutBatch:
    return RunPayoutBatch(request.batch_id, request.currency, request.max_payouts)


def deposit_command(request: pb.DepositBudgetRequest) -> DepositBudget:
    amount = requested_money(request.amount, field="amount")
    return DepositBudget(request.advertiser_id, request.deposit_id, amount, request.instrument)


def refund_message(refund: Refund) -> pb.Refund:
    return pb.Refund(
        refund_id=refund.refund_id, amount=money_message(refund.amount), reason=refund.reason
    )


def payment_message(payment: Payment) -> pb.Payment:
    terms = payment.terms
    message = pb.Payment(
        order_id=payment.id,
        status=_STATUSES[payment.status],
        charge_id=payment.charge_id,
        commission_rate_bps=payment.commission_rate_bps,
        decline_reason=_reason(payment.decline_reason),
        attempts=payment.attempts,
        refunds=[refund_message(refund) for refund in payment.refunds.values()],
        version=payment.version,
    )
    if terms is not None:
        message.buyer_id, message.seller_id, message.shop_id = (
            terms.buyer_id,
            terms.seller_id,
            terms.shop_id,
        )
        message.shop_tier = _TIER_VALUES[terms.shop_tier]
        message.amount.CopyFrom(money_message(terms.amount))
        message.captured.CopyFrom(money_message(payment.captured))
        message.refunded.CopyFrom(money_message(payment.refunded))
        message.in_escrow.CopyFrom(money_message(payment.in_escrow))
        message.processing_fee.CopyFrom(
            money_message(payment.processing_fee or Money.zero(payment.currency))
        )
    if payment.released is not None:
        message.release.CopyFrom(
            pb.Release(
                gross=money_message(payment.released.gross),
                commission=money_message(payment.released.commission),
                seller_net=money_message(payment.released.seller_net),
            )
        )
    return message


def batch_message(batch: PayoutBatch) -> pb.PayoutBatch:
    return pb.PayoutBatch(
        batch_id=batch.id,
        currency=batch.currency,
        payouts=[
            pb.Payout(
                payout_id=payout.payout_id,
                seller_id=payout.payee_id,
                amount=money_message(payout.amount),
            )
            for payout in batch.payouts
        ],
        total=money_message(batch.total),
    )


def budget_message(budget: AdvertiserBudget) -> pb.Budget:
    return pb.Budget(
        advertiser_id=budget.id,
        deposited=[money_message(total) for _, total in sorted(budget.totals.items())],
        version=budget.version,
    )


def deposit_response(
    budget: AdvertiserBudget, deposit_id: str, outcome: ChargeOutcome | None
) -> pb.DepositBudgetResponse:
    deposited = deposit_id in budget.deposits
    declined = None if deposited or outcome is None else outcome.decline_reason
    return pb.DepositBudgetResponse(
        deposited=deposited, decline_reason=_reason(declined), budget=budget_message(budget)
    )


def payable_response(balances: list[Money]) -> pb.GetSellerPayableResponse:
    return pb.GetSellerPayableResponse(balances=[money_message(balance) for balance in balances])


# --- the app store ------------------------------------------------------------------------


def _split(
    amount: money_pb2.Money, platform_share: money_pb2.Money, vendor_share: money_pb2.Money
) -> AppSplit:
    """A requested split: the amount positive, each share zero or more, all adding up
    (InvalidArgument naming the field otherwise)."""
    return AppSplit.checked(
        requested_money(amount, field="amount"),
        requested_money(platform_share, field="platform_share", minimum=0),
        requested_money(vendor_share, field="vendor_share", minimum=0),
    )


def app_charge_command(request: pb.ChargeAppSubscriptionRequest) -> ChargeAppSubscription:
    terms = AppChargeTerms(
        subscription_id=request.subscription_id,
        listing_id=request.listing_id,
        vendor_id=request.vendor_id,
        seller_id=request.seller_id,
        split=_split(request.amount, request.platform_share, request.vendor_share),
    )
    return ChargeAppSubscription(request.charge_id, terms, request.instrument)


def app_refund_command(request: pb.RefundAppChargeRequest) -> RefundAppCharge:
    split = _split(request.amount, request.platform_share, request.vendor_share)
    return RefundAppCharge(request.charge_id, request.refund_id, split, request.reason)


def vendor_payout_command(request: pb.RunVendorPayoutBatchRequest) -> RunVendorPayoutBatch:
    return RunVendorPayoutBatch(request.batch_id, request.currency, request.max_payouts)


def app_refund_message(refund: AppRefund) -> pb.AppChargeRefund:
    return pb.AppChargeRefund(
        refund_id=refund.refund_id,
        amount=money_message(refund.split.amount),
        platform_share=money_message(refund.split.platform_share),
        vendor_share=money_message(refund.split.vendor_share),
        reason=refund.reason,
    )


def app_charge_message(charge: AppCharge) -> pb.AppCharge:
    message = pb.AppCharge(
        charge_id=charge.id,
        status=_APP_STATUSES[charge.status],
        provider_charge_id=charge.provider_charge_id,
        decline_reason=_reason(charge.decline_reason),
        attempts=charge.attempts,
        refunds=[app_refund_message(refund) for refund in charge.refunds.values()],
        version=charge.version,
    )
    terms = charge.terms
    if terms is not None:
        message.subscription_id, message.listing_id = terms.subscription_id, terms.listing_id
        message.vendor_id, message.seller_id = terms.vendor_id, terms.seller_id
        message.amount.CopyFrom(money_message(terms.split.amount))
        message.platform_share.CopyFrom(money_message(terms.split.platform_share))
        message.vendor_share.CopyFrom(money_message(terms.split.vendor_share))
        refunded = charge.refunded()
        message.refunded.CopyFrom(money_message(refunded.amount))
        message.platform_refunded.CopyFrom(money_message(refunded.platform_share))
        message.vendor_refunded.CopyFrom(money_message(refunded.vendor_share))
        message.processing_fee.CopyFrom(
            money_message(charge.processing_fee or Money.zero(charge.currency))
        )
    return message


def app_charge_response(
    charge: AppCharge, outcome: ChargeOutcome | None
) -> pb.ChargeAppSubscriptionResponse:
    charged = charge.is_charged
    declined = None if charged or outcome is None else outcome.decline_reason
    return pb.ChargeAppSubscriptionResponse(
        charged=charged, decline_reason=_reason(declined), charge=app_charge_message(charge)
    )


def vendor_batch_message(batch: VendorPayoutBatch) -> pb.VendorPayoutBatch:
    return pb.VendorPayoutBatch(
        batch_id=batch.id,
        currency=batch.currency,
        payouts=[
            pb.VendorPayout(
                payout_id=payout.payout_id,
                vendor_id=payout.payee_id,
                amount=money_message(payout.amount),
            )
            for payout in batch.payouts
        ],
        total=money_message(batch.total),
    )


def vendor_payable_response(balances: list[Money]) -> pb.GetVendorPayableResponse:
    return pb.GetVendorPayableResponse(balances=[money_message(balance) for balance in balances])
