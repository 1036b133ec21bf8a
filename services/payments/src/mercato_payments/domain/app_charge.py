"""The AppCharge aggregate: one period of a seller's app-store subscription, charged once and
split between the platform and the vendor; refunds give (part of) it back, reversing the split.

Its id is the platform's charge id (one per subscription period), so every event of a charge is
keyed by it on Kafka. The first attempt fixes the terms (subscription, listing, vendor, seller,
amount and split); a decline may be tried again; once charged, never charged again.

    NEW ──charge──> CHARGED ──refund all──> REFUNDED
     └─decline─> DECLINED ─charge─┘

The split is the caller's (the platform's rate, its share rounded down, the vendor the rest):
payments checks that its parts add up (`AppSplit.checked`) and records it as sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.errors import FailedPrecondition, InvalidArgument
from mercato_kit.money import Money
from mercato_payments.domain.charges import ChargeOutcome, DeclineReason
from mercato_payments.domain.tariff import Tariff


class AppChargeStatus(StrEnum):
    NEW = "new"
    DECLINED = "declined"
    CHARGED = "charged"
    REFUNDED = "refunded"


@dataclass(frozen=True)
class AppSplit:
    """An amount and its two parts: the platform's share and the vendor's."""

    amount: Money
    platform_share: Money
    vendor_share: Money

    @classmethod
    def checked(cls, amount: Money, platform_share: Money, vendor_share: Money) -> AppSplit:
        """The split, if its parts are in the amount's currency and add up to it; else
        InvalidArgument naming the field."""
        for name, share in (("platform_share", platform_share), ("vendor_share", vendor_share)):
            if share.currency != amount.currency:
                raise InvalidArgument(f"{name}.currency", f"must be {amount.currency}")
        if platform_share + vendor_share != amount:
            raise InvalidArgument(
                "vendor_share",
                f"platform_share + vendor_share must be the amount {amount}: "
                f"{platform_share} + {vendor_share}",
            )
        return cls(amount, platform_share, vendor_share)


@dataclass(frozen=True)
class AppChargeTerms:
    """What a charge is for; fixed by its first attempt."""

    subscription_id: str
    listing_id: str
    vendor_id: str
    seller_id: str
    split: AppSplit

    @property
    def amount(self) -> Money:
        return self.split.amount


@dataclass(frozen=True)
class AppRefund:
    refund_id: str
    split: AppSplit
    reason: str


class AppCharge(Aggregate):
    """One period's charge. Money goes back at most once per refund id, never more than was
    charged, in total or of either share."""

    aggregate_type = "payments.app_charge"

    @dataclass(frozen=True)
    class Charged(DomainEvent):
        charge_id: str
        subscription_id: str
        listing_id: str
        vendor_id: str
        seller_id: str
        amount: Money
        platform_share: Money
        vendor_share: Money
        provider_charge_id: str
        attempt: int

    @dataclass(frozen=True)
    class ProcessingFeeCharged(DomainEvent):
        charge_id: str
        provider_charge_id: str
        gross: Money
        fee: Money
        net_settled: Money
        fee_rate_bps: int

    @dataclass(frozen=True)
    class Declined(DomainEvent):
        charge_id: str
        subscription_id: str
        listing_id: str
        vendor_id: str
        seller_id: str
        amount: Money
        platform_share: Money
        vendor_share: Money
        reason: DeclineReason
        attempt: int

    @dataclass(frozen=True)
    class Refunded(DomainEvent):
        charge_id: str
        refund_id: str
        subscription_id: str
        vendor_id: str
        seller_id: str
        amount: Money
        platform_share: Money
        vendor_share: Money
        refunded_total: Money
        full: bool
        reason: str

    def __init__(self, charge_id: str) -> None:
        super().__init__(charge_id)
        self.terms: AppChargeTerms | None = None
        self.status = AppChargeStatus.NEW
        self.attempts = 0
        self.decline_reason: DeclineReason | None = None
        self.provider_charge_id = ""
        self.processing_fee: Money | None = None
        self.refunds: dict[str, AppRefund] = {}

    @property
    def currency(self) -> str:
        return self.terms.amount.currency if self.terms else ""

    @property
    def is_charged(self) -> bool:
        return self.status in (AppChargeStatus.CHARGED, AppChargeStatus.REFUNDED)

    @property
    def needs_charge(self) -> bool:
        """True until an attempt succeeds: once charged, a charge id is never charged again."""
        return not self.is_charged

    def refunded(self) -> AppSplit:
        """All refunds so far, in total and per share."""
        zero = Money.zero(self.currency)
        amount, platform, vendor = zero, zero, zero
        for refund in self.refunds.values():
            amount += refund.split.amount
            platform += refund.split.platform_share
            vendor += refund.split.vendor_share
        return AppSplit(amount, platform, vendor)

    def check_terms(self, terms: AppChargeTerms) -> None:
        """Refuse terms other than those the first attempt fixed."""
        if self.terms is None or self.terms == terms:
            return
        known, asked = self.terms, terms
        differing = [
            name
            for name in ("subscription_id", "listing_id", "vendor_id", "seller_id")
            if getattr(known, name) != getattr(asked, name)
        ] + [
            name
            for name in ("amount", "platform_share", "vendor_share")
            if getattr(known.split, name) != getattr(asked.split, name)
        ]
        raise FailedPrecondition(
            f"app charge {self.id} was attempted with another {', '.join(differing)}"
        )

    def record_charge(self, terms: AppChargeTerms, outcome: ChargeOutcome, tariff: Tariff) -> bool:
        """Record an attempt's outcome; True when it is an approved charge this one does not
        need (another attempt got there first), which the caller must void."""
        self.check_terms(terms)
        if not self.needs_charge:
            return outcome.is_approved and outcome.charge_id != self.provider_charge_id
        attempt = self.attempts + 1
        split = terms.split
        if outcome.decline_reason is not None:
            self._trigger(
                AppCharge.Declined(
                    charge_id=self.id,
                    subscription_id=terms.subscription_id,
                    listing_id=terms.listing_id,
                    vendor_id=terms.vendor_id,
                    seller_id=terms.seller_id,
                    amount=split.amount,
                    platform_share=split.platform_share,
                    vendor_share=split.vendor_share,
                    reason=outcome.decline_reason,
                    attempt=attempt,
                )
            )
            return False
        self._trigger(
            AppCharge.Charged(
                charge_id=self.id,
                subscription_id=terms.subscription_id,
                listing_id=terms.listing_id,
                vendor_id=terms.vendor_id,
                seller_id=terms.seller_id,
                amount=split.amount,
                platform_share=split.platform_share,
                vendor_share=split.vendor_share,
                provider_charge_id=outcome.charge_id,
                attempt=attempt,
            )
        )
        fee = split.amount.split(tariff.processing_fee_bps)
        if not fee.share.is_zero:
            self._trigger(
                AppCharge.ProcessingFeeCharged(
                    charge_id=self.id,
                    provider_charge_id=outcome.charge_id,
                    gross=split.amount,
                    fee=fee.share,
                    net_settled=fee.rest,
                    fee_rate_bps=tariff.processing_fee_bps,
                )
            )
        return False

    def refund(self, refund_id: str, split: AppSplit, reason: str) -> AppRefund:
        """Give `split` back once per refund id: at most what is left of the charge and of
        each share (FailedPrecondition otherwise, nothing refunded)."""
        known = self.refunds.get(refund_id)
        if known is not None:
            if known.split != split:
                raise FailedPrecondition(
                    f"refund {refund_id} of app charge {self.id} was issued for "
                    f"{known.split.amount} split {known.split.platform_share} + "
                    f"{known.split.vendor_share}, not this"
                )
            return known
        if not self.is_charged or self.terms is None:
            raise FailedPrecondition(f"app charge {self.id} was never charged: nothing to refund")
        if self.status is AppChargeStatus.REFUNDED:
            raise FailedPrecondition(f"app charge {self.id} was refunded in full")
        if split.amount.currency != self.currency:
            raise InvalidArgument("amount.currency", f"the charge is in {self.currency}")
        done, charged = self.refunded(), self.terms.split
        for name in ("amount", "platform_share", "vendor_share"):
            left = getattr(charged, name) - getattr(done, name)
            if getattr(split, name).exceeds(left):
                raise FailedPrecondition(
                    f"a refund's {name} of {getattr(split, name)} exceeds the {left} left "
                    f"of app charge {self.id}"
                )
        total = done.amount + split.amount
        self._trigger(
            AppCharge.Refunded(
                charge_id=self.id,
                refund_id=refund_id,
                subscription_id=self.terms.subscription_id,
                vendor_id=self.terms.vendor_id,
                seller_id=self.terms.seller_id,
                amount=split.amount,
                platform_share=split.platform_share,
                vendor_share=split.vendor_share,
                refunded_total=total,
                full=total == charged.amount,
                reason=reason,
            )
        )
        return self.refunds[refund_id]

    def _terms_of(self, event: AppCharge.Charged | AppCharge.Declined) -> AppChargeTerms:
        return AppChargeTerms(
            event.subscription_id,
            event.listing_id,
            event.vendor_id,
            event.seller_id,
            AppSplit(event.amount, event.platform_share, event.vendor_share),
        )

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case AppCharge.Charged():
                self.terms = self._terms_of(event)
                self.status = AppChargeStatus.CHARGED
                self.attempts = event.attempt
                self.decline_reason = None
                self.provider_charge_id = event.provider_charge_id
            case AppCharge.ProcessingFeeCharged(fee=fee):
                self.processing_fee = fee
            case AppCharge.Declined():
                self.terms = self._terms_of(event)
                self.status = AppChargeStatus.DECLINED
                self.attempts = event.attempt
                self.decline_reason = event.reason
            case AppCharge.Refunded():
                self.refunds[event.refund_id] = AppRefund(
                    event.refund_id,
                    AppSplit(event.amount, event.platform_share, event.vendor_share),
                    event.reason,
                )
                if event.full:
                    self.status = AppChargeStatus.REFUNDED
            case _:
                raise TypeError(f"AppCharge cannot apply {type(event).__name__}")
