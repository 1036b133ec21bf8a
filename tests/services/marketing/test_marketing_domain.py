"""Marketing's domain rules, without I/O: targeting, click judgement, splits, tokens,
conversions, payouts and ranking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mercato_kit.errors import FailedPrecondition, InvalidArgument
from mercato_kit.money import Money
from mercato_marketing.domain import (
    AttributedOrder,
    AttributionClaims,
    AttributionRefusal,
    BadToken,
    Budget,
    Campaign,
    CampaignTerms,
    Candidate,
    Charge,
    Click,
    ClickClaims,
    ClickContext,
    ClickRejection,
    Conversion,
    Observed,
    PricingModel,
    Priors,
    PromotedProduct,
    Publisher,
    PublisherPayoutBatch,
    Targeting,
    TokenSigner,
    Visitor,
    commission_for,
    judge_click,
    rank,
    refusal,
)

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
SIGNER = TokenSigner(b"0123456789abcdef0123456789abcdef")


def cny(minor_units: int) -> Money:
    return Money(minor_units=minor_units, currency="CNY")


def cpc_terms(bid: int = 50) -> CampaignTerms:
    return CampaignTerms(
        pricing=PricingModel.CPC,
        bid=cny(bid),
        commission_bps=0,
        total_cap=cny(10_000),
        daily_cap=cny(1_000),
    )


def cps_terms(rate_bps: int = 500) -> CampaignTerms:
    return CampaignTerms(
        pricing=PricingModel.CPS,
        bid=None,
        commission_bps=rate_bps,
        total_cap=cny(100_000),
        daily_cap=cny(10_000),
    )


def campaign(terms: CampaignTerms | None = None, campaign_id: str = "c-1") -> Campaign:
    launched = Campaign.launch(
        campaign_id,
        advertiser_id="adv-1",
        shop_id="shop-1",
        name="winter",
        product_ids=("p-1", "p-2"),
        terms=terms or cpc_terms(),
        targeting=Targeting.of(["tea"], [], ["CN"], field="targeting"),
        starts_at=NOW - timedelta(days=1),
        ends_at=None,
    )
    launched.mark_saved()
    return launched


def product(product_id: str = "p-1", price: int = 2_000) -> PromotedProduct:
    return PromotedProduct(
        product_id=product_id,
        shop_id="shop-1",
        seller_id="adv-1",
        title="Green Tea",
        price=cny(price),
        category="drinks",
        words=PromotedProduct.words_of("Green Tea", ["drinks"]),
    )


def claims(expires_in: int = 600, requester: str = "") -> ClickClaims:
    return ClickClaims(
        impression_id="imp-1",
        campaign_id="c-1",
        publisher_id="pub-1",
        product_id="p-1",
        issued_at=int(NOW.timestamp()),
        expires_at=int(NOW.timestamp()) + expires_in,
        requester=requester,
    )


def context(**overrides: object) -> ClickContext:
    values: dict[str, object] = {
        "campaign": campaign(),
        "publisher": Publisher("pub-1", "owner-1"),
        "duplicate": False,
        "fingerprint_flagged": False,
        "publisher_flagged": False,
    }
    values.update(overrides)
    return ClickContext(**values)  # type: ignore[arg-type]


def test_targeting_matches_a_keyword_of_the_product_in_a_targeted_region() -> None:
    targeting = Targeting.of(["Tea"], [], ["cn"], field="targeting")
    assert targeting.fits(product(), frozenset({"tea"}), "", "CN")
    assert not targeting.fits(product(), frozenset({"tea"}), "", "US")
    assert not targeting.fits(product(), frozenset({"coffee"}), "", "CN")
    assert Targeting().fits(product(), frozenset(), "drinks", "US")


def test_targeting_refuses_oversized_keyword_lists_naming_the_field() -> None:
    with pytest.raises(InvalidArgument) as refused:
        Targeting.of(["k"] * 51, [], [], field="targeting")
    assert refused.value.field == "targeting.keywords"


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        (
            CampaignTerms(PricingModel.CPC, cny(50), 0, cny(100), cny(200)),
            "daily_cap.minor_units",
        ),
        (CampaignTerms(PricingModel.CPS, None, 10_001, cny(100), cny(100)), "commission_bps"),
        (CampaignTerms(PricingModel.CPC, None, 0, cny(100), cny(100)), "bid"),
        (
            CampaignTerms(
                PricingModel.CPC, Money(minor_units=5, currency="USD"), 0, cny(100), cny(100)
            ),
            "bid.currency",
        ),
    ],
)
def test_campaign_terms_that_make_no_sense_are_refused(terms: CampaignTerms, field: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        campaign(terms)
    assert refused.value.field == field


def test_a_campaign_pauses_resumes_and_ends_once() -> None:
    launched = campaign()
    launched.pause()
    with pytest.raises(FailedPrecondition):
        launched.pause()
    assert not launched.is_live(NOW)
    launched.resume()
    assert launched.is_live(NOW)
    launched.end()
    with pytest.raises(FailedPrecondition):
        launched.end()


def test_a_click_passing_every_rule_may_be_charged() -> None:
    assert judge_click(claims(), Visitor("fp-visitor"), NOW, context()) is None


@pytest.mark.parametrize(
    ("token", "visitor", "overrides", "reason"),
    [
        (claims(expires_in=-1), Visitor("fp"), {}, ClickRejection.EXPIRED),
        (claims(), Visitor("fp", account_id="owner-1"), {}, ClickRejection.SELF_CLICK),
        (claims(requester="fp-server"), Visitor("fp-server"), {}, ClickRejection.SELF_CLICK),
        (claims(), Visitor("fp"), {"duplicate": True}, ClickRejection.DUPLICATE),
        (claims(), Visitor("fp"), {"fingerprint_flagged": True}, ClickRejection.FLOOD_FINGERPRINT),
        (claims(), Visitor("fp"), {"publisher_flagged": True}, ClickRejection.FLOOD_PUBLISHER),
        (claims(), Visitor("fp"), {"campaign": None}, ClickRejection.CAMPAIGN_INACTIVE),
        (claims(), Visitor("fp"), {"publisher": None}, ClickRejection.FORGED),
    ],
)
def test_each_click_rule_rejects_with_its_reason(
    token: ClickClaims, visitor: Visitor, overrides: dict[str, object], reason: ClickRejection
) -> None:
    assert judge_click(token, visitor, NOW, context(**overrides)) is reason


def test_a_charge_gives_the_publisher_its_share_rounded_down_and_the_platform_the_rest() -> None:
    charge = Charge.of(cny(99), 7_000)
    assert charge.publisher_share == cny(69)
    assert charge.platform_share == cny(30)
    assert charge.publisher_share + charge.platform_share == charge.cost


def test_tokens_round_trip_and_a_changed_token_is_forged() -> None:
    token = SIGNER.click_token(claims())
    assert SIGNER.click_claims(token) == claims()
    body, signature = token.split(".")
    with pytest.raises(BadToken):
        SIGNER.click_claims(f"{body}x.{signature}")
    with pytest.raises(BadToken):
        TokenSigner(b"another-secret-of-32-bytes-long!").click_claims(token)
    with pytest.raises(BadToken):
        SIGNER.attribution_claims(token)
    attribution = SIGNER.attribution_token(AttributionClaims("click-1", 1_700_000_000))
    assert SIGNER.attribution_claims(attribution).click_id == "click-1"


def accepted_click(promoted: Campaign) -> Click:
    click = Click.accept(claims(), promoted, Visitor("fp"), Charge.nothing("CNY"), NOW)
    click.mark_saved()
    return click


def order(placed_at: datetime = NOW + timedelta(hours=1), value: int = 10_000) -> AttributedOrder:
    return AttributedOrder("order-1", "shop-1", cny(value), placed_at)


def test_an_order_outside_the_window_or_of_another_shop_is_not_attributed() -> None:
    promoted = campaign(cps_terms())
    click = accepted_click(promoted)
    window = timedelta(days=15)
    assert refusal(order(), click, promoted, window) is None
    late = order(placed_at=NOW + timedelta(days=16))
    assert refusal(late, click, promoted, window) is AttributionRefusal.OUTSIDE_WINDOW
    other = AttributedOrder("order-2", "shop-2", cny(100), NOW + timedelta(hours=1))
    assert refusal(other, click, promoted, window) is AttributionRefusal.OTHER_SHOP


def test_a_cps_commission_is_held_charged_on_completion_and_reversed_on_refund() -> None:
    promoted = campaign(cps_terms(rate_bps=555))
    commission = commission_for(promoted, order(value=9_999))
    assert commission == cny(554)  # 9999 x 5.55 % = 554.94, rounded down
    conversion = Conversion.attribute(order(), accepted_click(promoted), promoted, commission, NOW)
    assert conversion.held == cny(554)
    charge = conversion.complete(publisher_share_bps=5_000)
    assert charge is not None
    assert charge.publisher_share == cny(277)
    assert conversion.held is None
    assert conversion.complete(5_000) is None
    reversed_ = conversion.reverse(after_payout=True)
    assert reversed_ is not None
    assert reversed_.charge == charge
    assert reversed_.after_payout
    assert conversion.reverse(after_payout=False) is None


def test_a_cancelled_order_releases_its_hold_and_charges_nothing() -> None:
    promoted = campaign(cps_terms())
    conversion = Conversion.attribute(order(), accepted_click(promoted), promoted, cny(500), NOW)
    assert conversion.lapse() == cny(500)
    assert conversion.complete(5_000) is None


def test_a_payout_batch_pays_positive_payables_only_in_publisher_order() -> None:
    batch = PublisherPayoutBatch.run(
        "b-1", "CNY", [("pub-b", cny(10)), ("pub-a", cny(5)), ("pub-c", cny(-3))], 10
    )
    assert batch.payouts == [("pub-a", cny(5)), ("pub-b", cny(10))]
    assert batch.closed


def test_a_budget_is_exhausted_once_and_replenished_by_a_deposit() -> None:
    budget = Budget("adv-1")
    budget.note_available(cny(30), cheapest_charge=cny(50))
    budget.note_available(cny(30), cheapest_charge=cny(50))
    assert [type(event) for event in budget.pending_events()] == [Budget.Exhausted]
    budget.credit("deposit-1", cny(1_000), cny(1_030))
    assert [type(event) for event in budget.pending_events()][-1] is Budget.Replenished
    assert "CNY" not in budget.exhausted


def test_ranking_prefers_the_higher_expected_value_and_learns_from_clicks() -> None:
    cheap, rich = campaign(cpc_terms(bid=10), "c-cheap"), campaign(cpc_terms(bid=40), "c-rich")
    untried = [
        Candidate(cheap, product(), Observed()),
        Candidate(rich, product(), Observed()),
    ]
    assert [c.campaign.id for c in rank(untried, 2, Priors())] == ["c-rich", "c-cheap"]
    learnt = [
        Candidate(cheap, product(), Observed(impressions=1_000, clicks=500)),
        Candidate(rich, product(), Observed(impressions=1_000, clicks=0)),
    ]
    assert [c.campaign.id for c in rank(learnt, 1, Priors())] == ["c-cheap"]
