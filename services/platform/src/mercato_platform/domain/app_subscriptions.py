"""A seller's subscription to an app's plan: its periods and their charges (taken through
payments), the grace period and suspension when a renewal is declined, refunds, and the grant
of the subscription's scopes on the seller's shop (made through identity).

The calls to payments and identity are effects: the subscription says which one it needs next
(`next_effect`), the application performs it after the subscription was saved, and records the
answer (`record`). Each effect carries a deterministic idempotency key, so performing it again
after a crash (the answer lost) is answered by payments or identity with the first answer.

Standard library and mercato_kit's domain, errors and money only."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.errors import FailedPrecondition, InvalidArgument
from mercato_kit.money import Money
from mercato_platform.domain.app_store import BillingPeriod, Listing, Plan

PERIOD_DAYS = {BillingPeriod.MONTHLY: 30, BillingPeriod.YEARLY: 365}
"""A monthly period is 30 days, a yearly one 365 (days of PLATFORM_APP_STORE_DAY_SECONDS)."""

CHARGE_IDS = uuid.UUID("5b0f4c1e-8d3a-4f57-9a3e-6c2d1e0f7a11")
"""The namespace of the app store's deterministic charge and refund ids (UUIDv5)."""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_INSTRUMENT = re.compile(r"[0-9]{12,19}")


class SubscriptionStatus(StrEnum):
    PENDING = "pending"  # its first charge is being taken; nothing granted yet
    ACTIVE = "active"
    PAST_DUE = "past_due"  # a renewal was declined: the grace period, retried every day
    SUSPENDED = "suspended"  # still declined when the grace period ended: access revoked
    CANCELLING = "cancelling"  # ends at the end of its period
    ENDED = "ended"


GRANTED_WHILE = frozenset(
    {SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE, SubscriptionStatus.CANCELLING}
)
"""The statuses in which the app holds the subscription's scopes on the seller's shop."""


@dataclass(frozen=True)
class Terms:
    """The app store's billing settings: the platform's share, a day's length, grace days."""

    share_bps: int
    day: timedelta
    grace_days: int = 3


@dataclass(frozen=True)
class SubscribeToApp:
    listing_id: str
    plan_id: str
    instrument: str = field(default="", repr=False)


@dataclass(frozen=True)
class CancelAppSubscription:
    subscription_id: str
    at_once: bool


@dataclass(frozen=True)
class UpdateInstrument:
    subscription_id: str
    instrument: str = field(repr=False)


@dataclass(frozen=True)
class ConsentToScopes:
    subscription_id: str


def checked_instrument(instrument: str) -> str:
    """A test card number (12-19 digits); InvalidArgument naming `instrument` otherwise."""
    if not _INSTRUMENT.fullmatch(instrument):
        raise InvalidArgument("instrument", "must be a card number of 12 to 19 digits")
    return instrument


@dataclass(frozen=True)
class Shares:
    amount: Money
    platform_share: Money
    vendor_share: Money


def shares_of(amount: Money, share_bps: int) -> Shares:
    """The platform's `share_bps` of `amount` rounded down; the vendor gets the rest."""
    split = amount.split(share_bps)
    return Shares(amount, split.share, split.rest)


def refund_of(price: Money, unused_days: int, period_days: int) -> Money:
    """price x unused whole days / days in the period, rounded down."""
    return Money(
        minor_units=price.minor_units * unused_days // period_days, currency=price.currency
    )


@dataclass(frozen=True)
class PendingCharge:
    """A period's charge not yet taken: tried when `retry_at` comes (None: when the seller
    gives another instrument)."""

    charge_id: str
    period_number: int
    shares: Shares
    attempts: int
    retry_at: datetime | None


@dataclass(frozen=True)
class PendingRefund:
    refund_id: str
    charge_id: str
    shares: Shares


# --- effects: what the subscription needs of payments and identity ------------------------------


@dataclass(frozen=True)
class TakeCharge:
    charge_id: str
    attempt: int
    subscription_id: str
    listing_id: str
    vendor_app_id: str
    seller_id: str
    shares: Shares
    instrument: str = field(repr=False)

    @property
    def key(self) -> str:
        return f"platform:app-charge:{self.charge_id}:{self.attempt}"


@dataclass(frozen=True)
class CheckCharge:
    """Ask payments whether a charge that may have been in flight when the subscription ended
    was taken (GetAppCharge): taken, it is refunded in full; not, it is dropped."""

    charge_id: str


@dataclass(frozen=True)
class GiveRefund:
    refund_id: str
    charge_id: str
    shares: Shares

    @property
    def key(self) -> str:
        return f"platform:app-refund:{self.refund_id}"


@dataclass(frozen=True)
class GrantScopes:
    subscription_id: str
    app_id: str
    seller_id: str
    scopes: tuple[str, ...]
    round: int

    @property
    def key(self) -> str:
        return f"platform:app-grant:{self.subscription_id}:{self.round}"


@dataclass(frozen=True)
class RevokeGrant:
    grant_id: str

    @property
    def key(self) -> str:
        return f"platform:app-revoke:{self.grant_id}"


Effect = TakeCharge | CheckCharge | GiveRefund | GrantScopes | RevokeGrant


@dataclass(frozen=True)
class ChargeAnswered:
    charge_id: str
    charged: bool
    decline_reason: str = ""


@dataclass(frozen=True)
class RefundAnswered:
    refund_id: str


@dataclass(frozen=True)
class GrantAnswered:
    grant_id: str
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class RevokeAnswered:
    grant_id: str


Answer = ChargeAnswered | RefundAnswered | GrantAnswered | RevokeAnswered


class AppSubscription(Aggregate):
    """A seller's subscription to a listing's plan (aggregate id: the subscription id)."""

    aggregate_type = "platform.app"

    @dataclass(frozen=True)
    class Started(DomainEvent):
        listing_id: str
        plan_id: str
        seller_id: str
        vendor_app_id: str
        period: BillingPeriod
        price: Money | None
        scopes: tuple[str, ...]
        status: SubscriptionStatus
        period_start: datetime
        period_end: datetime | None

    @dataclass(frozen=True)
    class ChargeDue(DomainEvent):
        charge_id: str
        period_number: int
        shares: Shares
        at: datetime

    @dataclass(frozen=True)
    class Charged(DomainEvent):
        charge_id: str
        period_number: int
        period_start: datetime
        period_end: datetime
        shares: Shares

    @dataclass(frozen=True)
    class ChargeDeclined(DomainEvent):
        charge_id: str
        attempt: int
        reason: str
        grace_until: datetime | None
        retry_at: datetime | None

    @dataclass(frozen=True)
    class ChargeDropped(DomainEvent):
        """The subscription ended with this charge pending: it will not be asked for."""

        charge_id: str

    @dataclass(frozen=True)
    class Suspended(DomainEvent):
        at: datetime

    @dataclass(frozen=True)
    class Reactivated(DomainEvent):
        at: datetime

    @dataclass(frozen=True)
    class InstrumentUpdated(DomainEvent):
        at: datetime

    @dataclass(frozen=True)
    class CancelScheduled(DomainEvent):
        ends_at: datetime | None

    @dataclass(frozen=True)
    class Ended(DomainEvent):
        at: datetime
        reason: str

    @dataclass(frozen=True)
    class Refunded(DomainEvent):
        refund_id: str
        charge_id: str
        unused_days: int
        shares: Shares

    @dataclass(frozen=True)
    class RefundPaid(DomainEvent):
        refund_id: str

    @dataclass(frozen=True)
    class AccessGranted(DomainEvent):
        grant_id: str
        scopes: tuple[str, ...]

    @dataclass(frozen=True)
    class AccessRevoked(DomainEvent):
        grant_id: str

    @dataclass(frozen=True)
    class ScopesConsented(DomainEvent):
        scopes: tuple[str, ...]

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.listing_id = self.plan_id = self.seller_id = self.vendor_app_id = ""
        self.period = BillingPeriod.FREE
        self.price: Money | None = None
        self.scopes: tuple[str, ...] = ()
        self.status = SubscriptionStatus.PENDING
        self.period_number = 0
        self.period_start: datetime | None = None
        self.period_end: datetime | None = None
        self.last_charge_id = ""  # the charge of the current period ("" in a trial or free)
        self.instrument = ""
        self.charge: PendingCharge | None = None
        self.grace_until: datetime | None = None
        self.refunds: tuple[PendingRefund, ...] = ()
        self.grant_id = ""
        self.granted_scopes: tuple[str, ...] = ()
        self.grant_round = 0
        self.started_at: datetime | None = None
        self.ended_at: datetime | None = None
        self.ended_reason = ""
        self.suspended_at: datetime | None = None

    def __repr__(self) -> str:  # never the instrument
        return f"AppSubscription({self.id!r}, {self.status.value})"

    @classmethod
    def start(
        cls,
        subscription_id: str,
        seller_id: str,
        listing: Listing,
        plan: Plan,
        *,
        instrument: str,
        now: datetime,
        terms: Terms,
    ) -> AppSubscription:
        """A new subscription: a free plan never ends nor charges; a trial runs its days
        before the first charge; otherwise the first period's charge is due at once and the
        subscription is PENDING until payments takes it."""
        subscription = cls(subscription_id)
        if plan.period is not BillingPeriod.FREE:
            instrument = checked_instrument(instrument)
        status, end = SubscriptionStatus.ACTIVE, None
        if plan.period is not BillingPeriod.FREE:
            if plan.trial_days:
                end = now + terms.day * plan.trial_days
            else:
                status = SubscriptionStatus.PENDING
        subscription.instrument = instrument
        subscription._trigger(
            AppSubscription.Started(
                listing.id,
                plan.plan_id,
                seller_id,
                listing.vendor_app_id,
                plan.period,
                plan.price,
                plan.scopes,
                status,
                now,
                end,
            )
        )
        if status is SubscriptionStatus.PENDING:
            subscription._charge_due(0, now, terms)
        return subscription

    def charge_id(self, period_number: int) -> str:
        """The deterministic id of a period's charge (a UUIDv5): one per (subscription, period)."""
        return str(uuid.uuid5(CHARGE_IDS, f"{self.id}:{period_number}"))

    def _charge_due(self, number: int, now: datetime, terms: Terms) -> None:
        assert self.price is not None
        self._trigger(
            AppSubscription.ChargeDue(
                self.charge_id(number), number, shares_of(self.price, terms.share_bps), now
            )
        )

    # --- what comes next --------------------------------------------------------------------

    @property
    def wanted_scopes(self) -> tuple[str, ...]:
        return self.scopes if self.status in GRANTED_WHILE else ()

    def due(self, now: datetime) -> bool:
        """Its period ended and nothing is being charged: renew it (or end it)."""
        return (
            self.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.CANCELLING)
            and self.charge is None
            and self.period_end is not None
            and self.period_end <= now
        )

    def wake_at(self) -> datetime | None:
        """When the subscription next needs the billing worker (None: not until a call)."""
        if self.refunds or self._grant_effect() is not None:
            return EPOCH
        if self.charge is not None and self.status is SubscriptionStatus.ENDED:
            return EPOCH  # settle it
        if self.charge is not None:
            return self.charge.retry_at
        if self.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.CANCELLING):
            return self.period_end
        return None

    def renew(self, now: datetime, terms: Terms) -> bool:
        """At the end of its period: end it (cancelled at period end), or make the next
        period's charge due. False when it is not due (nothing happens)."""
        if not self.due(now) or self.period_end is None:
            return False
        if self.status is SubscriptionStatus.CANCELLING:
            self._trigger(AppSubscription.Ended(self.period_end, "cancelled at period end"))
        else:
            self._charge_due(self.period_number + 1, now, terms)
        return True

    def next_effect(self, now: datetime) -> Effect | None:
        """The call to payments or identity the subscription needs now, if any: refunds
        first, then a due charge, then bringing the grant in line with the scopes wanted."""
        if self.refunds:
            refund = self.refunds[0]
            return GiveRefund(refund.refund_id, refund.charge_id, refund.shares)
        charge = self.charge
        if charge is not None and self.status is SubscriptionStatus.ENDED:
            return CheckCharge(charge.charge_id)
        if charge is not None and charge.retry_at is not None and charge.retry_at <= now:
            return TakeCharge(
                charge.charge_id,
                charge.attempts + 1,
                self.id,
                self.listing_id,
                self.vendor_app_id,
                self.seller_id,
                charge.shares,
                self.instrument,
            )
        return self._grant_effect()

    def _grant_effect(self) -> GrantScopes | RevokeGrant | None:
        wanted = self.wanted_scopes
        if wanted and (not self.grant_id or set(self.granted_scopes) != set(wanted)):
            return GrantScopes(
                self.id, self.vendor_app_id, self.seller_id, wanted, self.grant_round
            )
        if not wanted and self.grant_id:
            return RevokeGrant(self.grant_id)
        return None

    # --- answers from payments and identity -------------------------------------------------

    def record(self, answer: Answer, now: datetime, terms: Terms) -> None:
        """What payments or identity answered an effect (an answer already recorded, or to an
        effect no longer wanted, changes nothing). A charge that may have been in flight when
        the subscription ended stays pending until payments says whether it was taken (the
        answer to the charge itself, or to CheckCharge): taken, it is refunded in full."""
        match answer:
            case ChargeAnswered(charge_id=charge_id, charged=True):
                self._charge_taken(charge_id, now, terms)
            case ChargeAnswered(charge_id=charge_id, charged=False, decline_reason=reason):
                self._charge_declined(charge_id, reason, now, terms)
            case RefundAnswered(refund_id=refund_id):
                if any(r.refund_id == refund_id for r in self.refunds):
                    self._trigger(AppSubscription.RefundPaid(refund_id))
            case GrantAnswered(grant_id=grant_id, scopes=scopes):
                if grant_id != self.grant_id:
                    self._trigger(AppSubscription.AccessGranted(grant_id, scopes))
            case RevokeAnswered(grant_id=grant_id):
                if grant_id == self.grant_id:
                    self._trigger(AppSubscription.AccessRevoked(grant_id))

    def _charge_taken(self, charge_id: str, now: datetime, terms: Terms) -> None:
        charge = self.charge
        if self.status is SubscriptionStatus.ENDED:
            if charge is not None and charge.charge_id == charge_id:  # not settled yet
                self._refund_late_charge(charge_id, terms)
                self._trigger(AppSubscription.ChargeDropped(charge_id))
            return
        if charge is None or charge.charge_id != charge_id:
            return
        start = now  # the first period, or a suspended subscription's: from now
        if self.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE):
            assert self.period_end is not None
            start = self.period_end  # a renewal (in grace too): from the period's due date
        if self.status is SubscriptionStatus.SUSPENDED:
            self._trigger(AppSubscription.Reactivated(now))
        end = start + terms.day * PERIOD_DAYS[self.period]
        self._trigger(
            AppSubscription.Charged(charge_id, charge.period_number, start, end, charge.shares)
        )

    def _refund_late_charge(self, charge_id: str, terms: Terms) -> None:
        """A charge payments took after the subscription ended (a cancel raced the charge):
        all of it goes back."""
        assert self.price is not None
        refund_id = str(uuid.uuid5(CHARGE_IDS, f"{charge_id}:late"))
        self._trigger(
            AppSubscription.Refunded(
                refund_id, charge_id, 0, shares_of(self.price, terms.share_bps)
            )
        )

    def _charge_declined(self, charge_id: str, reason: str, now: datetime, terms: Terms) -> None:
        charge = self.charge
        if charge is None or charge.charge_id != charge_id:
            return
        if self.status is SubscriptionStatus.ENDED:  # never taken: nothing to give back
            self._trigger(AppSubscription.ChargeDropped(charge_id))
            return
        attempt = charge.attempts + 1
        if self.status is SubscriptionStatus.PENDING:
            self._trigger(AppSubscription.ChargeDeclined(charge_id, attempt, reason, None, None))
            self._trigger(AppSubscription.Ended(now, "first charge declined"))
            return
        if self.status is SubscriptionStatus.SUSPENDED:
            self._trigger(AppSubscription.ChargeDeclined(charge_id, attempt, reason, None, None))
            return
        grace_until = self.grace_until
        if grace_until is None:
            assert self.period_end is not None
            grace_until = self.period_end + terms.day * terms.grace_days
        if now >= grace_until:
            self._trigger(AppSubscription.ChargeDeclined(charge_id, attempt, reason, None, None))
            self._trigger(AppSubscription.Suspended(now))
            return
        retry_at = min(now + terms.day, grace_until)
        self._trigger(
            AppSubscription.ChargeDeclined(charge_id, attempt, reason, grace_until, retry_at)
        )

    # --- the seller's commands ---------------------------------------------------------------

    def update_instrument(self, instrument: str, now: datetime) -> None:
        """Charge with another instrument from now on; a declined charge is tried again at
        once (a suspended subscription comes back when it is taken)."""
        if self.status is SubscriptionStatus.ENDED:
            raise FailedPrecondition("the subscription has ended")
        self.instrument = checked_instrument(instrument)
        self._trigger(AppSubscription.InstrumentUpdated(now))

    def consent(self, plan_scopes: tuple[str, ...]) -> None:
        """The seller accepts the scopes the listing's current version asks for this plan."""
        if self.status is SubscriptionStatus.ENDED:
            raise FailedPrecondition("the subscription has ended")
        if set(plan_scopes) != set(self.scopes):
            self._trigger(AppSubscription.ScopesConsented(tuple(plan_scopes)))

    def cancel(self, at_once: bool, now: datetime, terms: Terms) -> None:
        if self.status is SubscriptionStatus.ENDED:
            raise FailedPrecondition("the subscription has ended")
        if self.status is SubscriptionStatus.PENDING:
            raise FailedPrecondition("its first charge is being taken; try again in a moment")
        if not at_once:
            if self.period_end is None or self.status in (
                SubscriptionStatus.PAST_DUE,
                SubscriptionStatus.SUSPENDED,
            ):  # nothing paid to wait for
                self._trigger(AppSubscription.Ended(now, "cancelled"))
            elif self.status is SubscriptionStatus.ACTIVE:
                self._trigger(AppSubscription.CancelScheduled(self.period_end))
            return
        paid = self.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.CANCELLING)
        if paid and self.last_charge_id and self.price is not None and self.period_end:
            unused = max(0, (self.period_end - now) // terms.day)
            refund = refund_of(self.price, unused, PERIOD_DAYS[self.period])
            if refund.minor_units > 0:
                self._trigger(
                    AppSubscription.Refunded(
                        str(uuid.uuid5(CHARGE_IDS, f"{self.last_charge_id}:cancel")),
                        self.last_charge_id,
                        unused,
                        shares_of(refund, terms.share_bps),
                    )
                )
        self._trigger(AppSubscription.Ended(now, "cancelled at once"))

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case AppSubscription.Started() as started:
                self.listing_id, self.plan_id = started.listing_id, started.plan_id
                self.seller_id, self.vendor_app_id = started.seller_id, started.vendor_app_id
                self.period, self.price = started.period, started.price
                self.scopes, self.status = started.scopes, started.status
                self.period_start, self.period_end = started.period_start, started.period_end
                self.started_at, self.grant_round = started.period_start, 1
            case AppSubscription.ChargeDue() as due:
                self.charge = PendingCharge(due.charge_id, due.period_number, due.shares, 0, due.at)
            case AppSubscription.Charged() as charged:
                self.period_number = charged.period_number
                self.period_start, self.period_end = charged.period_start, charged.period_end
                self.last_charge_id = charged.charge_id
                self.status, self.charge, self.grace_until = SubscriptionStatus.ACTIVE, None, None
            case AppSubscription.ChargeDeclined() as declined:
                if self.charge is not None:
                    self.charge = replace(
                        self.charge, attempts=declined.attempt, retry_at=declined.retry_at
                    )
                if declined.grace_until is not None:
                    self.status, self.grace_until = (
                        SubscriptionStatus.PAST_DUE,
                        declined.grace_until,
                    )
            case AppSubscription.Suspended(at=at):
                self.status, self.suspended_at = SubscriptionStatus.SUSPENDED, at
            case AppSubscription.Reactivated():
                self.status, self.grace_until = SubscriptionStatus.ACTIVE, None
                self.grant_round += 1
            case AppSubscription.InstrumentUpdated(at=at):
                if self.charge is not None:
                    self.charge = replace(self.charge, retry_at=at)
            case AppSubscription.CancelScheduled():
                self.status = SubscriptionStatus.CANCELLING
            case AppSubscription.Ended(at=at, reason=reason):
                self.status, self.period_end = SubscriptionStatus.ENDED, at
                self.ended_at, self.ended_reason = at, reason
                if self.charge is not None and (
                    self.charge.retry_at is None or self.charge.retry_at > at
                ):  # not asked for now: it cannot be in flight
                    self.charge = None
            case AppSubscription.ChargeDropped():
                self.charge = None
            case AppSubscription.Refunded() as refunded:
                self.refunds = (
                    *self.refunds,
                    PendingRefund(refunded.refund_id, refunded.charge_id, refunded.shares),
                )
            case AppSubscription.RefundPaid(refund_id=refund_id):
                self.refunds = tuple(r for r in self.refunds if r.refund_id != refund_id)
            case AppSubscription.AccessGranted(grant_id=grant_id, scopes=scopes):
                self.grant_id, self.granted_scopes = grant_id, scopes
            case AppSubscription.AccessRevoked():
                self.grant_id, self.granted_scopes = "", ()
            case AppSubscription.ScopesConsented(scopes=scopes):
                self.scopes = scopes
                self.grant_round += 1
            case _:
                raise TypeError(f"AppSubscription cannot apply {type(event).__name__}")


@dataclass
class SubscriptionState:
    """What the repository restores a subscription from."""

    subscription_id: str
    listing_id: str
    plan_id: str
    seller_id: str
    vendor_app_id: str
    period: BillingPeriod
    price: Money | None
    scopes: tuple[str, ...]
    status: SubscriptionStatus
    period_number: int
    period_start: datetime | None
    period_end: datetime | None
    last_charge_id: str
    instrument: str
    charge: PendingCharge | None
    grace_until: datetime | None
    refunds: tuple[PendingRefund, ...]
    grant_id: str
    granted_scopes: tuple[str, ...]
    grant_round: int
    started_at: datetime | None
    ended_at: datetime | None
    ended_reason: str
    suspended_at: datetime | None
    version: int


def restored_subscription(state: SubscriptionState) -> AppSubscription:
    s = AppSubscription(state.subscription_id)
    for name in vars(state):
        if name not in ("subscription_id",):
            setattr(s, name, getattr(state, name))
    return s
