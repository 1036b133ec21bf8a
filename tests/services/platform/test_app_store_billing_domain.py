"""The app store's subscription without I/O: the split and the pro-rata refund, the charge of
each period under a deterministic id, a declined renewal's grace period and suspension, the
reactivation a new instrument brings, the grant that follows the status, consent to a new
version's scopes, and a charge taken after a cancel given back."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from mercato_kit.errors import FailedPrecondition, InvalidArgument
from mercato_kit.money import Money
from mercato_platform.domain.app_store import CreateListing, Listing, PlanInput
from mercato_platform.domain.app_subscriptions import (
    AppSubscription,
    ChargeAnswered,
    CheckCharge,
    GiveRefund,
    GrantAnswered,
    GrantScopes,
    RefundAnswered,
    RevokeAnswered,
    RevokeGrant,
    SubscriptionStatus,
    TakeCharge,
    Terms,
    refund_of,
    shares_of,
)

DAY = timedelta(days=1)
TERMS = Terms(share_bps=3000, day=DAY, grace_days=3)
T0 = datetime(2026, 12, 1, tzinfo=UTC)
CARD = "4242424242424242"


def cny(minor_units: int) -> Money:
    return Money(minor_units=minor_units, currency="CNY")


def listing(price: int = 999, trial_days: int = 0) -> Listing:
    plans = (
        PlanInput("monthly", "monthly", price, "CNY", trial_days, ("orders:read",)),
        PlanInput("free", "free", None, None, 0, ("orders:read",)),
    )
    made = Listing.create(
        str(uuid.uuid4()),
        str(uuid.uuid4()),
        CreateListing("Slips", "", "shipping", ("orders:read", "catalog:read"), plans),
        T0,
    )
    made.status = made.status.APPROVED
    return made


def subscribed(plan_id: str = "monthly", **options: int) -> AppSubscription:
    offered = listing(**options)
    plan = offered.plan(plan_id)
    assert plan is not None
    return AppSubscription.start(
        str(uuid.uuid4()), str(uuid.uuid4()), offered, plan, instrument=CARD, now=T0, terms=TERMS
    )


def charged(subscription: AppSubscription, now: datetime) -> None:
    effect = subscription.next_effect(now)
    assert isinstance(effect, TakeCharge)
    subscription.record(ChargeAnswered(effect.charge_id, True), now, TERMS)


def granted(subscription: AppSubscription, grant_id: str = "g-1") -> None:
    effect = subscription.next_effect(T0)
    assert isinstance(effect, GrantScopes)
    subscription.record(GrantAnswered(grant_id, effect.scopes), T0, TERMS)


def test_the_split_rounds_the_platform_down_and_the_refund_is_pro_rata() -> None:
    shares = shares_of(cny(999), 3000)
    assert (shares.platform_share, shares.vendor_share) == (cny(299), cny(700))
    assert refund_of(cny(999), 29, 30) == cny(965)


def test_a_paid_plan_is_pending_until_charged_then_granted_exactly_its_scopes() -> None:
    subscription = subscribed()
    assert subscription.status is SubscriptionStatus.PENDING
    effect = subscription.next_effect(T0)
    assert isinstance(effect, TakeCharge)
    assert effect.charge_id == str(uuid.UUID(effect.charge_id))  # a UUID, as payments wants
    assert effect.charge_id == subscription.charge_id(0)  # deterministic
    assert effect.key.endswith(":1")  # the first attempt
    assert CARD not in repr(effect)
    assert CARD not in repr(subscription)

    subscription.record(ChargeAnswered(effect.charge_id, True), T0, TERMS)
    subscription.record(ChargeAnswered(effect.charge_id, True), T0, TERMS)  # again: nothing
    assert subscription.status is SubscriptionStatus.ACTIVE
    assert subscription.period_end == T0 + 30 * DAY
    grant = subscription.next_effect(T0)
    assert isinstance(grant, GrantScopes)
    assert grant.scopes == ("orders:read",)  # the plan's, not the listing's catalog:read
    granted(subscription)
    assert subscription.next_effect(T0) is None


def test_a_declined_first_charge_ends_it_without_a_grant() -> None:
    subscription = subscribed()
    effect = subscription.next_effect(T0)
    assert isinstance(effect, TakeCharge)
    subscription.record(ChargeAnswered(effect.charge_id, False, "card_declined"), T0, TERMS)
    assert subscription.status is SubscriptionStatus.ENDED
    assert subscription.ended_reason == "first charge declined"
    assert subscription.next_effect(T0) is None


def test_a_declined_renewal_is_retried_daily_then_suspended_and_a_new_card_reactivates() -> None:
    subscription = subscribed()
    charged(subscription, T0)
    granted(subscription)
    end = T0 + 30 * DAY
    assert subscription.renew(end, TERMS)
    assert not subscription.renew(end, TERMS)  # its charge is due: not renewed twice
    first = subscription.next_effect(end)
    assert isinstance(first, TakeCharge)
    assert first.charge_id == subscription.charge_id(1)

    subscription.record(ChargeAnswered(first.charge_id, False, "card_declined"), end, TERMS)
    assert subscription.status is SubscriptionStatus.PAST_DUE
    assert subscription.grace_until == end + 3 * DAY
    assert subscription.next_effect(end) is None  # granted still; retried tomorrow
    assert subscription.wake_at() == end + DAY
    for day in (1, 2):
        retry = subscription.next_effect(end + day * DAY)
        assert isinstance(retry, TakeCharge)
        assert retry.charge_id == first.charge_id
        assert retry.attempt == day + 1
        subscription.record(
            ChargeAnswered(retry.charge_id, False, "card_declined"), end + day * DAY, TERMS
        )
    last = subscription.next_effect(end + 3 * DAY)
    assert isinstance(last, TakeCharge)
    subscription.record(
        ChargeAnswered(last.charge_id, False, "card_declined"), end + 3 * DAY, TERMS
    )
    assert subscription.status is SubscriptionStatus.SUSPENDED
    assert subscription.next_effect(end + 3 * DAY) == RevokeGrant("g-1")
    subscription.record(RevokeAnswered("g-1"), end + 3 * DAY, TERMS)
    assert subscription.next_effect(end + 10 * DAY) is None  # waits for another card
    assert subscription.wake_at() is None

    later = end + 5 * DAY
    subscription.update_instrument("5555555555554444", later)
    again = subscription.next_effect(later)
    assert isinstance(again, TakeCharge)
    assert again.charge_id == first.charge_id
    assert again.instrument == "5555555555554444"
    subscription.record(ChargeAnswered(again.charge_id, True), later, TERMS)
    assert subscription.status is SubscriptionStatus.ACTIVE
    assert (subscription.period_start, subscription.period_end) == (later, later + 30 * DAY)
    regrant = subscription.next_effect(later)
    assert isinstance(regrant, GrantScopes)
    assert regrant.key != GrantScopes(subscription.id, "", "", (), 1).key  # a new grant, new key


def test_paid_within_the_grace_period_the_period_runs_from_its_due_date() -> None:
    subscription = subscribed()
    charged(subscription, T0)
    end = T0 + 30 * DAY
    subscription.renew(end, TERMS)
    effect = subscription.next_effect(end)
    assert isinstance(effect, TakeCharge)
    subscription.record(ChargeAnswered(effect.charge_id, False, "card_declined"), end, TERMS)
    subscription.update_instrument("5555555555554444", end + DAY / 2)
    charged(subscription, end + DAY / 2)
    assert subscription.status is SubscriptionStatus.ACTIVE
    assert subscription.period_start == end
    assert subscription.period_number == 1


def test_cancel_at_once_refunds_pro_rata_and_revokes() -> None:
    subscription = subscribed()
    charged(subscription, T0)
    granted(subscription)
    subscription.cancel(True, T0 + timedelta(hours=1), TERMS)
    assert subscription.status is SubscriptionStatus.ENDED
    refund = subscription.next_effect(T0)
    assert isinstance(refund, GiveRefund)
    assert refund.shares.amount == cny(965)  # 29 whole days of 30 unused
    assert refund.shares.platform_share == cny(289)
    assert refund.charge_id == subscription.charge_id(0)
    subscription.record(RefundAnswered(refund.refund_id), T0, TERMS)
    assert subscription.next_effect(T0) == RevokeGrant("g-1")
    subscription.record(RevokeAnswered("g-1"), T0, TERMS)
    assert subscription.next_effect(T0) is None


def test_a_charge_in_flight_when_cancelled_is_checked_and_given_back_if_taken() -> None:
    for taken in (True, False):
        subscription = subscribed()
        charged(subscription, T0)
        end = T0 + 30 * DAY
        subscription.renew(end, TERMS)
        in_flight = subscription.next_effect(end)
        assert isinstance(in_flight, TakeCharge)
        subscription.cancel(True, end, TERMS)  # while payments is being asked
        check = subscription.next_effect(end)
        assert check == CheckCharge(in_flight.charge_id)
        assert subscription.wake_at() is not None
        subscription.record(ChargeAnswered(in_flight.charge_id, taken), end, TERMS)
        back = subscription.next_effect(end)
        if taken:
            assert isinstance(back, GiveRefund)
            assert back.charge_id == in_flight.charge_id
            assert back.shares.amount == cny(999)
            subscription.record(RefundAnswered(back.refund_id), end, TERMS)
        assert subscription.charge is None
        subscription.record(ChargeAnswered(in_flight.charge_id, True), end, TERMS)  # again
        assert subscription.next_effect(end) is None


def test_pending_trial_free_and_cancel_rules() -> None:
    pending = subscribed()
    with pytest.raises(FailedPrecondition):
        pending.cancel(True, T0, TERMS)
    trial = subscribed(trial_days=7)
    assert trial.status is SubscriptionStatus.ACTIVE
    assert trial.charge is None
    trial.cancel(False, T0, TERMS)
    assert trial.status is SubscriptionStatus.CANCELLING
    assert trial.renew(T0 + 7 * DAY, TERMS)
    assert trial.status is SubscriptionStatus.ENDED
    assert trial.ended_reason == "cancelled at period end"
    free = subscribed("free")
    assert free.period_end is None
    assert free.next_effect(T0) is not None
    with pytest.raises(InvalidArgument, match="instrument"):
        AppSubscription.start(
            "s", "seller", listing(), listing().plans[0], instrument="42", now=T0, terms=TERMS
        )


def test_a_new_version_asking_more_changes_nothing_until_the_seller_consents() -> None:
    subscription = subscribed("free")
    granted(subscription)
    assert subscription.next_effect(T0) is None
    subscription.consent(("orders:read",))  # the same scopes: nothing
    assert subscription.next_effect(T0) is None
    subscription.consent(("orders:read", "catalog:read"))
    effect = subscription.next_effect(T0)
    assert isinstance(effect, GrantScopes)
    assert effect.scopes == ("orders:read", "catalog:read")
    assert effect.round == 2
