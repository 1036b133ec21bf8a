"""The app store's listings: what a vendor app offers sellers, its plans, and its review.

Standard library and mercato_kit's domain, errors and money only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.errors import FailedPrecondition, InvalidArgument
from mercato_kit.money import Money, requested_amount

MAX_NAME = 120
MAX_DESCRIPTION = 2000
MAX_CATEGORY = 64
MAX_PLANS = 10
MAX_PLAN_ID = 64
MAX_TRIAL_DAYS = 365
MAX_REASON = 500


class BillingPeriod(StrEnum):
    FREE = "free"
    MONTHLY = "monthly"
    YEARLY = "yearly"


class ListingStatus(StrEnum):
    PENDING_REVIEW = "pending_review"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Plan:
    plan_id: str
    period: BillingPeriod
    price: Money | None
    trial_days: int
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class PlanInput:
    """A plan as the vendor sent it (not yet checked): price None when none was sent."""

    plan_id: str
    period: str | None
    price_minor_units: int | None
    price_currency: str | None
    trial_days: int
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class CreateListing:
    name: str
    description: str
    category: str
    scopes: tuple[str, ...]
    plans: tuple[PlanInput, ...]


@dataclass(frozen=True)
class ReviewListing:
    listing_id: str
    approve: bool
    reason: str


@dataclass(frozen=True)
class ListingQuery:
    category: str = ""
    scope: str = ""
    max_price: Money | None = None
    limit: int = 50


def _text(value: str, name: str, maximum: int, *, required: bool = True) -> str:
    if required and not value.strip():
        raise InvalidArgument(name, "is required")
    if len(value) > maximum:
        raise InvalidArgument(name, f"must be at most {maximum} characters, not {len(value)}")
    return value


def checked_listing(command: CreateListing, grantable: Iterable[str]) -> CreateListing:
    """The command when every field is valid; InvalidArgument naming the first bad field."""
    allowed = frozenset(grantable)
    _text(command.name, "name", MAX_NAME)
    _text(command.description, "description", MAX_DESCRIPTION, required=False)
    _text(command.category, "category", MAX_CATEGORY)
    if not command.scopes:
        raise InvalidArgument("scopes", "list at least one scope the app needs")
    for index, scope in enumerate(command.scopes):
        if scope not in allowed:
            raise InvalidArgument(
                f"scopes[{index}]",
                f"{scope!r} is not a scope a seller can grant; use one of "
                + ", ".join(sorted(allowed)),
            )
    if not command.plans:
        raise InvalidArgument("plans", "offer at least one plan")
    if len(command.plans) > MAX_PLANS:
        raise InvalidArgument("plans", f"at most {MAX_PLANS} plans")
    seen: set[str] = set()
    for index, plan in enumerate(command.plans):
        _check_plan(plan, f"plans[{index}]", set(command.scopes), seen)
    return command


def _check_plan(plan: PlanInput, name: str, listed: set[str], seen: set[str]) -> None:
    _text(plan.plan_id, f"{name}.plan_id", MAX_PLAN_ID)
    if plan.plan_id in seen:
        raise InvalidArgument(f"{name}.plan_id", f"{plan.plan_id!r} is used by another plan")
    seen.add(plan.plan_id)
    if plan.period not in {p.value for p in BillingPeriod}:
        raise InvalidArgument(f"{name}.period", "choose free, monthly or yearly")
    if BillingPeriod(plan.period) is BillingPeriod.FREE:
        if plan.price_minor_units is not None:
            raise InvalidArgument(f"{name}.price", "a free plan has no price")
    else:
        if plan.price_minor_units is None or plan.price_currency is None:
            raise InvalidArgument(f"{name}.price", "a monthly or yearly plan needs a price")
        requested_amount(
            minor_units=plan.price_minor_units,
            currency=plan.price_currency,
            field=f"{name}.price",
        )
    if not 0 <= plan.trial_days <= MAX_TRIAL_DAYS:
        raise InvalidArgument(f"{name}.trial_days", f"must be 0 to {MAX_TRIAL_DAYS} days")
    if not plan.scopes:
        raise InvalidArgument(f"{name}.scopes", "a plan grants at least one scope")
    for index, scope in enumerate(plan.scopes):
        if scope not in listed:
            raise InvalidArgument(
                f"{name}.scopes[{index}]", f"{scope!r} is not among the listing's scopes"
            )


def plan_of(plan: PlanInput) -> Plan:
    """A checked plan input as a Plan."""
    price = None
    if plan.price_minor_units is not None and plan.price_currency is not None:
        price = Money(minor_units=plan.price_minor_units, currency=plan.price_currency)
    assert plan.period is not None
    return Plan(
        plan.plan_id, BillingPeriod(plan.period), price, plan.trial_days, tuple(plan.scopes)
    )


def checked_review(command: ReviewListing) -> ReviewListing:
    if not command.listing_id:
        raise InvalidArgument("listing_id", "is required")
    if not command.approve:
        _text(command.reason, "reason", MAX_REASON)
    elif len(command.reason) > MAX_REASON:
        raise InvalidArgument("reason", f"must be at most {MAX_REASON} characters")
    return command


class Listing(Aggregate):
    """A vendor app's listing (aggregate id: the listing id). Its events go to the platform's
    app topic (mercato.platform.app): the kit's topic list has no app-store aggregate yet."""

    aggregate_type = "platform.app"

    @dataclass(frozen=True)
    class Created(DomainEvent):
        vendor_app_id: str
        name: str
        scopes: tuple[str, ...]

    @dataclass(frozen=True)
    class Approved(DomainEvent):
        vendor_app_id: str
        at: datetime

    @dataclass(frozen=True)
    class Rejected(DomainEvent):
        vendor_app_id: str
        reason: str
        at: datetime

    @dataclass(frozen=True)
    class VersionPublished(DomainEvent):
        vendor_app_id: str
        number: int
        name: str
        scopes: tuple[str, ...]

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.vendor_app_id = ""
        self.name = ""
        self.description = ""
        self.category = ""
        self.scopes: tuple[str, ...] = ()
        self.plans: tuple[Plan, ...] = ()
        self.status = ListingStatus.PENDING_REVIEW
        self.number = 1  # the version: each new one is reviewed again
        self.rejection_reason = ""
        self.install_count = 0
        self.created_at: datetime | None = None
        self.reviewed_at: datetime | None = None

    @classmethod
    def create(
        cls, listing_id: str, vendor_app_id: str, command: CreateListing, now: datetime
    ) -> Listing:
        listing = cls(listing_id)
        listing.description = command.description
        listing.category = command.category
        listing.plans = tuple(plan_of(plan) for plan in command.plans)
        listing.created_at = now
        listing._trigger(
            Listing.Created(vendor_app_id, command.name, tuple(dict.fromkeys(command.scopes)))
        )
        return listing

    def publish_version(self, command: CreateListing, now: datetime) -> None:
        """A new version (checked already): its scopes and plans replace the old ones and it
        goes back to review. Subscribers keep the scopes they consented to until they consent
        to the new plan's (ConsentToScopes)."""
        self.description, self.category = command.description, command.category
        self.plans = tuple(plan_of(plan) for plan in command.plans)
        self._trigger(
            Listing.VersionPublished(
                self.vendor_app_id,
                self.number + 1,
                command.name,
                tuple(dict.fromkeys(command.scopes)),
            )
        )

    def plan(self, plan_id: str) -> Plan | None:
        return next((plan for plan in self.plans if plan.plan_id == plan_id), None)

    def visible_to(self, app_id: str | None) -> bool:
        return self.status is ListingStatus.APPROVED or self.vendor_app_id == app_id

    def review(self, command: ReviewListing, now: datetime) -> None:
        if self.status is not ListingStatus.PENDING_REVIEW:
            raise FailedPrecondition(f"the listing is {self.status.value}, not pending review")
        if command.approve:
            self._trigger(Listing.Approved(self.vendor_app_id, now))
        else:
            self._trigger(Listing.Rejected(self.vendor_app_id, command.reason, now))

    def matches(self, query: ListingQuery) -> bool:
        if self.status is not ListingStatus.APPROVED:
            return False
        if query.category and self.category != query.category:
            return False
        if query.scope and query.scope not in self.scopes:
            return False
        if query.max_price is not None:
            limit = query.max_price
            return any(
                plan.price is None
                or (plan.price.currency == limit.currency and not plan.price.exceeds(limit))
                for plan in self.plans
            )
        return True

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case Listing.Created(vendor_app_id=vendor, name=name, scopes=scopes):
                self.vendor_app_id, self.name, self.scopes = vendor, name, scopes
            case Listing.Approved(at=at):
                self.status, self.reviewed_at = ListingStatus.APPROVED, at
            case Listing.VersionPublished(number=number, name=name, scopes=scopes):
                self.number, self.name, self.scopes = number, name, scopes
                self.status, self.rejection_reason = ListingStatus.PENDING_REVIEW, ""
            case Listing.Rejected(reason=reason, at=at):
                self.status, self.reviewed_at = ListingStatus.REJECTED, at
                self.rejection_reason = reason
            case _:
                raise TypeError(f"Listing cannot apply {type(event).__name__}")


@dataclass
class ListingState:
    """What the repository restores a listing from."""

    listing_id: str
    vendor_app_id: str
    name: str
    description: str
    category: str
    scopes: tuple[str, ...]
    plans: tuple[Plan, ...]
    status: ListingStatus
    rejection_reason: str
    install_count: int
    created_at: datetime | None
    reviewed_at: datetime | None
    version: int
    number: int = 1


def restored(state: ListingState) -> Listing:
    listing = Listing(state.listing_id)
    listing.vendor_app_id, listing.name = state.vendor_app_id, state.name
    listing.description, listing.category = state.description, state.category
    listing.scopes, listing.plans = state.scopes, state.plans
    listing.status, listing.rejection_reason = state.status, state.rejection_reason
    listing.install_count = state.install_count
    listing.created_at, listing.reviewed_at = state.created_at, state.reviewed_at
    listing.version, listing.number = state.version, state.number
    return listing
