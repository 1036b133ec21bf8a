"""Budgets and conversions, driven by payments' and orders' events (the money path: each is
applied once by the kit's idempotent consumer, in the transaction that records it)."""

from __future__ import annotations

from mercato_marketing.application.policy import Policy
from mercato_marketing.application.ports import MarketingUnitOfWork
from mercato_marketing.domain import (
    AttributionRefusal,
    BadToken,
    ChargeRefusal,
    Conversion,
    ConversionStatus,
    TokenSigner,
    commission_for,
    refusal,
)
from mercato_marketing.domain.commands import (
    AttributeOrder,
    CancelOrder,
    CompleteOrder,
    CreditDeposit,
    RefundOrder,
)


async def credit_deposit(command: CreditDeposit, uow: MarketingUnitOfWork) -> None:
    balance = await uow.budgets.credit(command.advertiser_id, command.amount)
    budget = await uow.budgets.budget(command.advertiser_id)
    budget.credit(command.deposit_event_id, command.amount, balance.available)
    await uow.budgets.save(budget)


async def attribute_order(
    command: AttributeOrder, uow: MarketingUnitOfWork, *, signer: TokenSigner, policy: Policy
) -> Conversion | None:
    """Attribute an order placed with an attribution token (or record why not); None when the
    order was seen already."""
    order = command.order
    if await uow.conversions.get(order.order_id) is not None:
        return None
    try:
        claims = signer.attribution_claims(command.attribution_token)
    except BadToken:
        return await _refuse(uow, order.order_id, "", AttributionRefusal.FORGED)
    click = await uow.clicks.get(claims.click_id)
    if click is None:
        return await _refuse(uow, order.order_id, claims.click_id, AttributionRefusal.UNKNOWN_CLICK)
    campaign = await uow.campaigns.get(click.campaign_id)
    reason = refusal(order, click, campaign, policy.attribution_window)
    if reason is not None or campaign is None:
        why = reason or AttributionRefusal.CLICK_NOT_ACCEPTED
        return await _refuse(uow, order.order_id, click.id, why)
    commission = commission_for(campaign, order)
    if not commission.is_zero:
        held = await uow.budgets.hold(campaign, commission, command.now.date().isoformat())
        if isinstance(held, ChargeRefusal):
            return await _refuse(uow, order.order_id, click.id, AttributionRefusal.BUDGET_EXHAUSTED)
    conversion = Conversion.attribute(order, click, campaign, commission, command.now)
    await uow.conversions.add(conversion)
    await uow.stats.conversion(conversion, order.goods_value, command.now.date().isoformat())
    return conversion


async def _refuse(
    uow: MarketingUnitOfWork, order_id: str, click_id: str, reason: AttributionRefusal
) -> Conversion:
    conversion = Conversion.refuse(order_id, click_id, reason)
    await uow.conversions.add(conversion)
    return conversion


async def complete_order(
    command: CompleteOrder, uow: MarketingUnitOfWork, *, policy: Policy
) -> None:
    conversion = await uow.conversions.get(command.order_id)
    if conversion is None:
        return
    charge = conversion.complete(policy.publisher_share_bps)
    if charge is not None:
        await uow.budgets.settle(conversion.campaign_id, conversion.advertiser_id, charge.cost)
        await uow.earnings.earn(conversion.publisher_id, charge.publisher_share)
        await uow.stats.commission_charged(conversion, charge, command.at.date().isoformat())
    await uow.conversions.save(conversion)


async def cancel_order(command: CancelOrder, uow: MarketingUnitOfWork) -> None:
    conversion = await uow.conversions.get(command.order_id)
    if conversion is None:
        return
    released = conversion.lapse()
    if released is not None:
        await uow.budgets.release(conversion.campaign_id, conversion.advertiser_id, released)
    await uow.conversions.save(conversion)


async def refund_order(command: RefundOrder, uow: MarketingUnitOfWork) -> None:
    """A refunded order's commission is reversed: a charged one comes back to the budget and
    out of the publisher's earnings (recovered from later earnings when it was paid already);
    a held one is released."""
    conversion = await uow.conversions.get(command.order_id)
    if conversion is None:
        return
    after_payout = False
    if conversion.status is ConversionStatus.CHARGED and conversion.charge is not None:
        # Only a charged commission is taken back, and only once (a conversion reversed or
        # lapsed already has nothing left to take).
        after_payout = await uow.earnings.take_back(
            conversion.publisher_id, conversion.charge.publisher_share
        )
    reversed_ = conversion.reverse(after_payout)
    if reversed_ is None:
        await uow.conversions.save(conversion)
        return
    if not reversed_.released.is_zero:
        await uow.budgets.release(
            conversion.campaign_id, conversion.advertiser_id, reversed_.released
        )
    if not reversed_.charge.cost.is_zero:
        await uow.budgets.refund(
            conversion.campaign_id, conversion.advertiser_id, reversed_.charge.cost
        )
    await uow.stats.conversion_reversed(conversion, reversed_.charge, command.at.date().isoformat())
    await uow.conversions.save(conversion)
