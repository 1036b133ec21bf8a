"""The Payment aggregate: an order's money, charged into escrow, then released or refunded.

One payment per order; its id is the order id, so every event of an order's money is keyed by
the order on Kafka and stays in order. The first capture attempt fixes the order's terms.

    NEW ─────────capture─────────> CAPTURED ──release──> RELEASED
     │ └─decline─> DECLINED ─capture─┘   └───refund all──> REFUNDED
     │                │
     └───refund───────┴──> VOIDED   (nothing was captured; no capture is taken after it)

A refund that finds nothing captured voids the payment, so a capture that was still on its
way when the order's saga compensated (and heard "nothing to refund") can never take money
afterwards: the void and the capture append to the same stream, and the event store's version
check orders them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.errors import FailedPrecondition, InvalidArgument
from mercato_kit.money import Money
from mercato_payments.domain.charges import ChargeOutcome, DeclineReason
from mercato_payments.domain.commands import OrderTerms
from mercato_payments.domain.tariff import Tariff


class PaymentStatus(StrEnum):
    NEW = "new"
    DECLINED = "declined"
    CAPTURED = "captured"
    RELEASED = "released"
    REFUNDED = "refunded"
    VOIDED = "voided"


class OrderCancelled(FailedPrecondition):
    """A capture for an order whose payment was voided or refunded in full: nothing is charged."""


@dataclass(frozen=True)
class Release:
    gross: Money
    commission: Money
    seller_net: Money


@dataclass(frozen=True)
class Refund:
    refund_id: str
    amount: Money
    reason: str


class Payment(Aggregate):
    """An order's payment. Money leaves escrow once: to the seller (less commission) or back
    to the buyer; never more than was captured."""

    aggregate_type = "payments.payment"

    @dataclass(frozen=True)
    class Captured(DomainEvent):
        order_id: str
        buyer_id: str
        seller_id: str
        shop_id: str
        shop_tier: str
        amount: Money
        charge_id: str
        commission_rate_bps: int
        attempt: int

    @dataclass(frozen=True)
    class ProcessingFeeCharged(DomainEvent):
        order_id: str
        charge_id: str
        gross: Money
        fee: Money
        net_settled: Money
        fee_rate_bps: int

    @dataclass(frozen=True)
    class Declined(DomainEvent):
        order_id: str
        buyer_id: str
        seller_id: str
        shop_id: str
        shop_tier: str
        amount: Money
        reason: DeclineReason
        attempt: int

    @dataclass(frozen=True)
    class Voided(DomainEvent):
        order_id: str
        refund_id: str
        reason: str
        buyer_id: str
        seller_id: str
        declined_attempts: int

    @dataclass(frozen=True)
    class RefundIssued(DomainEvent):
        order_id: str
        buyer_id: str
        seller_id: str
        refund_id: str
        amount: Money
        refunded_total: Money
        remaining_in_escrow: Money
        full: bool
        reason: str

    @dataclass(frozen=True)
    class EscrowReleased(DomainEvent):
        order_id: str
        seller_id: str
        shop_id: str
        shop_tier: str
        gross: Money
        commission: Money
        seller_net: Money
        commission_rate_bps: int
        captured: Money
        refunded: Money

    def __init__(self, order_id: str) -> None:
        super().__init__(order_id)
        self.terms: OrderTerms | None = None
        self.status = PaymentStatus.NEW
        self.attempts = 0
        self.decline_reason: DeclineReason | None = None
        self.charge_id = ""
        self.commission_rate_bps = 0
        self.processing_fee: Money | None = None
        self.refunds: dict[str, Refund] = {}
        self.released: Release | None = None

    @property
    def currency(self) -> str:
        return self.terms.amount.currency if self.terms else ""

    @property
    def captured(self) -> Money:
        if self.terms is None or self.never_captured:
            return Money.zero(self.currency)
        return self.terms.amount

    @property
    def never_captured(self) -> bool:
        return self.status in (PaymentStatus.NEW, PaymentStatus.DECLINED, PaymentStatus.VOIDED)

    @property
    def refunded(self) -> Money:
        total = Money.zero(self.currency)
        for refund in self.refunds.values():
            total += refund.amount
        return total

    @property
    def in_escrow(self) -> Money:
        if self.status != PaymentStatus.CAPTURED:
            return Money.zero(self.currency)
        return self.captured - self.refunded

    @property
    def needs_charge(self) -> bool:
        """True until a capture succeeds: once captured, an order is never charged again."""
        return self.status in (PaymentStatus.NEW, PaymentStatus.DECLINED)

    def check_capture(self, terms: OrderTerms) -> None:
        """Refuse a capture of a cancelled order, or on other terms than the first attempt's."""
        if self.status is PaymentStatus.VOIDED:
            raise OrderCancelled(
                f"order {self.id} was cancelled: its payment was voided before any capture; "
                "nothing was charged"
            )
        if self.status is PaymentStatus.REFUNDED:
            raise OrderCancelled(
                f"order {self.id} was cancelled: its payment was refunded in full; "
                "nothing was charged"
            )
        self.check_terms(terms)

    def check_terms(self, terms: OrderTerms) -> None:
        """Refuse terms other than those the order's first capture attempt fixed."""
        if self.terms is None or self.terms == terms:
            return
        differing = [
            name
            for name in ("buyer_id", "seller_id", "shop_id", "shop_tier", "amount")
            if getattr(self.terms, name) != getattr(terms, name)
        ]
        raise FailedPrecondition(
            f"the payment of order {self.id} was attempted with another {', '.join(differing)}"
        )

    def record_charge(self, terms: OrderTerms, outcome: ChargeOutcome, tariff: Tariff) -> bool:
        """Record a capture attempt's outcome; True when it is an approved charge this payment
        does not need (another capture got there first), which the caller must void. Refused
        (OrderCancelled) once the order was cancelled: the caller must void that charge too."""
        self.check_capture(terms)
        if not self.needs_charge:
            return outcome.is_approved and outcome.charge_id != self.charge_id
        attempt = self.attempts + 1
        if outcome.decline_reason is not None:
            self._trigger(
                Payment.Declined(
                    order_id=self.id,
                    buyer_id=terms.buyer_id,
                    seller_id=terms.seller_id,
                    shop_id=terms.shop_id,
                    shop_tier=terms.shop_tier,
                    amount=terms.amount,
                    reason=outcome.decline_reason,
                    attempt=attempt,
                )
            )
            return False
        self._trigger(
            Payment.Captured(
                order_id=self.id,
                buyer_id=terms.buyer_id,
                seller_id=terms.seller_id,
                shop_id=terms.shop_id,
                shop_tier=terms.shop_tier,
                amount=terms.amount,
                charge_id=outcome.charge_id,
                commission_rate_bps=tariff.commission_rate(terms.shop_tier),
                attempt=attempt,
            )
        )
        fee = terms.amount.split(tariff.processing_fee_bps)
        if not fee.share.is_zero:
            self._trigger(
                Payment.ProcessingFeeCharged(
                    order_id=self.id,
                    charge_id=outcome.charge_id,
                    gross=terms.amount,
                    fee=fee.share,
                    net_settled=fee.rest,
                    fee_rate_bps=tariff.processing_fee_bps,
                )
            )
        return False

    def release_escrow(self) -> None:
        """Move what is left in escrow to the seller, less commission at the captured rate.
        Releasing a released payment changes nothing."""
        if self.status == PaymentStatus.RELEASED:
            return
        if self.status == PaymentStatus.REFUNDED:
            raise FailedPrecondition(
                f"the payment of order {self.id} was refunded in full: nothing is left to release"
            )
        terms = self._captured_terms()
        gross = self.in_escrow
        split = gross.split(self.commission_rate_bps)
        self._trigger(
            Payment.EscrowReleased(
                order_id=self.id,
                seller_id=terms.seller_id,
                shop_id=terms.shop_id,
                shop_tier=terms.shop_tier,
                gross=gross,
                commission=split.share,
                seller_net=split.rest,
                commission_rate_bps=self.commission_rate_bps,
                captured=self.captured,
                refunded=self.refunded,
            )
        )

    def refund(self, refund_id: str, amount: Money | None, reason: str) -> Refund | None:
        """Return `amount` (None: all that is left) from escrow to the buyer, once per refund id.

        None when nothing was ever captured: there is nothing to give back, and the payment is
        voided instead (once), so that no capture is taken for the order afterwards.
        """
        if self.never_captured:
            self._void(refund_id, reason)
            return None
        known = self.refunds.get(refund_id)
        if known is not None:
            if amount is not None and amount != known.amount:
                raise FailedPrecondition(
                    f"refund {refund_id} was issued for {known.amount}, not {amount}"
                )
            return known
        if self.status == PaymentStatus.RELEASED:
            raise FailedPrecondition(
                f"the escrow of order {self.id} was released to the seller: nothing is left "
                "to refund"
            )
        if self.status == PaymentStatus.REFUNDED:
            raise FailedPrecondition(f"the payment of order {self.id} was refunded in full")
        terms = self._captured_terms()
        left = self.in_escrow
        amount = left if amount is None else amount
        if amount.currency != left.currency:
            raise InvalidArgument("amount.currency", f"the payment is in {left.currency}")
        if amount.exceeds(left):
            raise FailedPrecondition(f"a refund of {amount} exceeds the {left} left in escrow")
        remaining = left - amount
        self._trigger(
            Payment.RefundIssued(
                order_id=self.id,
                buyer_id=terms.buyer_id,
                seller_id=terms.seller_id,
                refund_id=refund_id,
                amount=amount,
                refunded_total=self.refunded + amount,
                remaining_in_escrow=remaining,
                full=remaining.is_zero,
                reason=reason,
            )
        )
        return self.refunds[refund_id]

    def _void(self, refund_id: str, reason: str) -> None:
        if self.status is PaymentStatus.VOIDED:
            return
        terms = self.terms
        self._trigger(
            Payment.Voided(
                order_id=self.id,
                refund_id=refund_id,
                reason=reason,
                buyer_id=terms.buyer_id if terms else "",
                seller_id=terms.seller_id if terms else "",
                declined_attempts=self.attempts,
            )
        )

    def _captured_terms(self) -> OrderTerms:
        if self.status != PaymentStatus.CAPTURED or self.terms is None:
            raise FailedPrecondition(f"the payment of order {self.id} is not captured")
        return self.terms

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case Payment.Captured():
                self.terms = OrderTerms(
                    event.buyer_id, event.seller_id, event.shop_id, event.shop_tier, event.amount
                )
                self.status = PaymentStatus.CAPTURED
                self.attempts = event.attempt
                self.decline_reason = None
                self.charge_id = event.charge_id
                self.commission_rate_bps = event.commission_rate_bps
            case Payment.ProcessingFeeCharged(fee=fee):
                self.processing_fee = fee
            case Payment.Declined():
                self.terms = OrderTerms(
                    event.buyer_id, event.seller_id, event.shop_id, event.shop_tier, event.amount
                )
                self.status = PaymentStatus.DECLINED
                self.attempts = event.attempt
                self.decline_reason = event.reason
            case Payment.Voided():
                self.status = PaymentStatus.VOIDED
            case Payment.RefundIssued(refund_id=refund_id, amount=amount, reason=reason):
                self.refunds[refund_id] = Refund(refund_id, amount, reason)
                if event.full:
                    self.status = PaymentStatus.REFUNDED
            case Payment.EscrowReleased(gross=gross, commission=commission, seller_net=net):
                self.released = Release(gross, commission, net)
                self.status = PaymentStatus.RELEASED
            case _:
                raise TypeError(f"Payment cannot apply {type(event).__name__}")
