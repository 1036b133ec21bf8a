"""Recording a click: judged, charged once or rejected with a reason, and answered with an
attribution token."""

from __future__ import annotations

from dataclasses import dataclass

from mercato_marketing.application.policy import Policy
from mercato_marketing.application.ports import MarketingUnitOfWork
from mercato_marketing.application.serving import cheapest_charge
from mercato_marketing.domain import (
    AttributionClaims,
    BadToken,
    Balance,
    Campaign,
    Charge,
    ChargeRefusal,
    Click,
    ClickClaims,
    ClickContext,
    ClickRejection,
    PricingModel,
    TokenSigner,
    judge_click,
)
from mercato_marketing.domain.commands import RecordClick

_REFUSALS = {
    ChargeRefusal.BUDGET_EXHAUSTED: ClickRejection.BUDGET_EXHAUSTED,
    ChargeRefusal.CAMPAIGN_EXHAUSTED: ClickRejection.CAMPAIGN_EXHAUSTED,
    ChargeRefusal.DAILY_CAP_REACHED: ClickRejection.CAMPAIGN_EXHAUSTED,
}


@dataclass(frozen=True)
class ClickOutcome:
    """The answer to a click: the recorded click (None for a forged token), whether this call
    was a replay of it, and the attribution token to hand on."""

    click: Click | None
    rejection: ClickRejection | None
    attribution_token: str

    @property
    def accepted(self) -> bool:
        return self.rejection is None

    @property
    def charged(self) -> Charge | None:
        if self.rejection is not None or self.click is None:
            return None
        return self.click.charge


async def record_click(
    command: RecordClick, uow: MarketingUnitOfWork, *, signer: TokenSigner, policy: Policy
) -> ClickOutcome:
    try:
        claims = signer.click_claims(command.click_token)
    except BadToken:
        return ClickOutcome(None, ClickRejection.FORGED, "")
    existing = await uow.clicks.get(claims.impression_id)
    if existing is not None:
        return await _replayed(uow, existing, claims, signer, command)
    campaign = await uow.campaigns.get(claims.campaign_id)
    now, visitor = command.now, command.visitor
    context = ClickContext(
        campaign=campaign,
        publisher=await uow.publishers.get(claims.publisher_id),
        duplicate=campaign is not None
        and await uow.clicks.seen_recently(
            visitor.fingerprint, campaign.id, now - policy.duplicate_window
        ),
        fingerprint_flagged=await uow.flags.flagged("fingerprint", visitor.fingerprint, now),
        publisher_flagged=await uow.flags.flagged("publisher", claims.publisher_id, now),
    )
    rejection = judge_click(claims, visitor, now, context)
    day = now.date().isoformat()
    if rejection is None:
        assert campaign is not None
        charged = await _charge(uow, campaign, claims, policy, day)
        if isinstance(charged, ClickRejection):
            rejection = charged
        else:
            click = Click.accept(claims, campaign, visitor, charged, now)
            await uow.clicks.add(click)
            await uow.earnings.earn(claims.publisher_id, charged.publisher_share)
            await uow.stats.click(campaign.id, claims.publisher_id, day, None, charged.cost)
            return ClickOutcome(click, None, _attribution(signer, click, command))
    advertiser = campaign.advertiser_id if campaign is not None else ""
    click = Click.reject(claims, advertiser, rejection, visitor, now)
    await uow.clicks.add(click)
    await uow.stats.click(claims.campaign_id, claims.publisher_id, day, rejection, None)
    return ClickOutcome(click, rejection, _attribution(signer, click, command))


async def _charge(
    uow: MarketingUnitOfWork, campaign: Campaign, claims: ClickClaims, policy: Policy, day: str
) -> Charge | ClickRejection:
    """Charge a CPC click's bid (a CPS click costs nothing now), and note what exhausted."""
    terms = campaign.required_terms
    if terms.pricing is PricingModel.CPS:
        return Charge.nothing(terms.currency)
    assert terms.bid is not None
    taken = await uow.budgets.charge(campaign, terms.bid, day)
    if isinstance(taken, ChargeRefusal):
        if taken is ChargeRefusal.CAMPAIGN_EXHAUSTED:
            await _exhaust_campaign(uow, campaign)
        return _REFUSALS[taken]
    await note_balance(uow, campaign, taken)
    spent = await uow.budgets.campaign_spent(campaign.id)
    if spent is not None and (spent + terms.bid).exceeds(terms.total_cap):
        await _exhaust_campaign(uow, campaign)
    return Charge.of(terms.bid, policy.publisher_share_bps)


async def note_balance(uow: MarketingUnitOfWork, campaign: Campaign, balance: Balance) -> None:
    """Publish BudgetExhausted when what is left cannot pay for another ad of this campaign."""
    budget = await uow.budgets.budget(campaign.advertiser_id)
    product = await uow.products.get(campaign.product_ids[0])
    budget.note_available(balance.available, cheapest_charge(campaign, product))
    await uow.budgets.save(budget)


async def _exhaust_campaign(uow: MarketingUnitOfWork, campaign: Campaign) -> None:
    spent = await uow.budgets.campaign_spent(campaign.id)
    if spent is None:
        return
    campaign.exhaust(spent)
    await uow.campaigns.save(campaign)


async def _replayed(
    uow: MarketingUnitOfWork,
    click: Click,
    claims: ClickClaims,
    signer: TokenSigner,
    command: RecordClick,
) -> ClickOutcome:
    """The token was clicked already: nothing is charged again; the first click's attribution
    token is handed on again (it attributes only if that click was accepted)."""
    day = command.now.date().isoformat()
    await uow.stats.click(
        claims.campaign_id, claims.publisher_id, day, ClickRejection.REPLAYED, None
    )
    return ClickOutcome(click, ClickRejection.REPLAYED, _attribution(signer, click, command))


def _attribution(signer: TokenSigner, click: Click, command: RecordClick) -> str:
    clicked = click.clicked_at or command.now
    return signer.attribution_token(AttributionClaims(click.id, int(clicked.timestamp())))
