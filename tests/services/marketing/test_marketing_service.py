"""Marketing as a real process (`mercato serve marketing`) on SQLite and PostgreSQL, driven over
gRPC and HTTP, the other services' events published to Kafka as their relays do, its own events
read back from Kafka like a partner would.

One service per backend for the module; each test makes its own advertisers (their products
carry a word of their own, so each test's slots show only its ads) and publishers.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import grpc
import pytest

from mercato.common.v1.money_pb2 import Money
from mercato.marketing.v1 import events_pb2 as ev
from mercato.marketing.v1 import marketing_pb2 as pb
from mercato.marketing.v1 import marketing_pb2_grpc
from mercato_kit.protobuf import timestamp_message
from mercato_kit.testing import LocalIssuer
from mercato_localinfra._process import free_port
from mercato_marketing.domain import AttributionClaims, ClickClaims, TokenSigner
from tests.services.marketing._support import (
    SIGNER,
    Events,
    MarketingWorld,
    cny,
    eventually,
    key,
    named_field,
    of_type,
    refused,
    start_marketing,
)
from tests.support.services import ServiceProcess, service_database

RACE_CLICKS = 200
BUDGET_CLICKS = 10
BID = 100
R = pb  # rejection names read shorter: R.CLICK_REJECTION_...


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(
    request: pytest.FixtureRequest,
    issuer: LocalIssuer,
    events: Events,
    catalog: ServiceProcess,
    catalog_api: object,
    kafka_bootstrap_servers: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[MarketingWorld]:
    backend = request.param
    postgres_url = request.getfixturevalue("postgres_url") if backend == "postgresql" else ""
    folder: Path = tmp_path_factory.mktemp(f"marketing-{backend}")
    http_addr = f"127.0.0.1:{free_port()}"
    with service_database(backend, postgres_url, folder, "marketing") as url:
        process = start_marketing(
            url,
            kafka_bootstrap_servers,
            issuer,
            folder,
            catalog_addr=catalog.address,
            http_addr=http_addr,
        )
        running = MarketingWorld(process, http_addr, catalog_api, issuer, events)
        try:
            yield running
        finally:
            running.channel.close()
            status = running.process.stop()
            logs = running.process.logs()
            assert status == 0, logs[-4000:]
            assert "Traceback" not in logs, logs[-6000:]


# -- the budget race ----------------------------------------------------------------------------


async def test_concurrent_clicks_never_overspend_and_a_deposit_resumes_serving(
    world: MarketingWorld,
) -> None:
    advertiser = world.advertiser()
    site = world.publisher()
    world.deposit(advertiser, BUDGET_CLICKS * BID)
    campaign = world.launch_cpc(advertiser, bid=BID)
    async with grpc.aio.insecure_channel(world.process.address) as channel:
        stub = marketing_pb2_grpc.AdServiceStub(channel)
        started = time.monotonic()
        tokens = await asyncio.gather(
            *(_serve_one(stub, site.metadata, advertiser.word) for _ in range(RACE_CLICKS))
        )
        served = time.monotonic()
        assert len(set(tokens)) == RACE_CLICKS

        clicks = await asyncio.gather(
            *(_click(stub, site.metadata, token, f"race-{i}") for i, token in enumerate(tokens))
        )
        clicked = time.monotonic()
    print(  # the figures the report quotes (pytest -s)
        f"\n[{world.process.name}] {RACE_CLICKS} ads served in {served - started:.2f} s, "
        f"{RACE_CLICKS} concurrent clicks recorded in {clicked - served:.2f} s"
    )

    accepted = [click for click in clicks if click.accepted]
    rejected = [click for click in clicks if not click.accepted]
    assert len(accepted) == BUDGET_CLICKS
    assert {click.charged.minor_units for click in accepted} == {BID}
    assert len(rejected) == RACE_CLICKS - BUDGET_CLICKS
    assert {click.rejection for click in rejected} == {R.CLICK_REJECTION_BUDGET_EXHAUSTED}
    assert all(click.charged.minor_units == 0 for click in rejected)
    balance = world.balance(advertiser)
    assert (balance.deposited.minor_units, balance.spent.minor_units) == (1000, 1000)
    assert (balance.held.minor_units, balance.available.minor_units) == (0, 0)
    assert world.campaign(advertiser, campaign.campaign_id).spent.minor_units == 1000
    budget_events = world.marketing_events("marketing.budget", advertiser.id, 2)
    exhausted = of_type(budget_events, ev.BudgetExhausted)
    assert len(exhausted) == 1
    assert exhausted[0].unpack(ev.BudgetExhausted).available.minor_units == 0
    clicked = world.marketing_events(
        "marketing.click", [click.click_id for click in clicks], RACE_CLICKS
    )
    assert len(of_type(clicked, ev.AdClicked)) == BUDGET_CLICKS
    assert len(of_type(clicked, ev.ClickRejected)) == RACE_CLICKS - BUDGET_CLICKS
    # Exhausted: nothing is served any more, until a deposit.
    assert world.serve(site, advertiser.word) == []

    world.deposit(advertiser, 5 * BID)

    ad = world.one_ad(site, advertiser.word)
    assert world.click(site, ad.click_token, "after-deposit").accepted
    replenished = of_type(
        world.marketing_events("marketing.budget", advertiser.id, 4), ev.BudgetReplenished
    )
    assert len(replenished) == 1


async def _serve_one(stub: Any, metadata: list[tuple[str, str]], word: str) -> str:
    answer = await stub.ServeAds(
        pb.ServeAdsRequest(slot="race", keywords=[word], count=1), metadata=metadata, timeout=120
    )
    [ad] = answer.ads
    return str(ad.click_token)


async def _click(
    stub: Any, metadata: list[tuple[str, str]], token: str, fingerprint: str
) -> pb.Click:
    answer = await stub.RecordClick(
        pb.RecordClickRequest(click_token=token, visitor=pb.Visitor(fingerprint=fingerprint)),
        metadata=metadata,
        timeout=120,
    )
    return answer.click


# -- the click rules ---------------------------------------------------------------------------


def test_each_click_rule_rejects_with_its_reason_and_charges_nothing(world: MarketingWorld) -> None:
    advertiser = world.advertiser()
    site = world.publisher()
    world.deposit(advertiser, 100_000)
    campaign = world.launch_cpc(advertiser, bid=BID)

    first = world.one_ad(site, advertiser.word)
    accepted = world.click(site, first.click_token, "visitor-1")
    assert accepted.accepted
    assert accepted.charged == cny(BID)
    assert accepted.click_id
    assert (accepted.product_id, accepted.shop_id) == (
        advertiser.product_ids[0],
        advertiser.shop_id,
    )
    spent = world.balance(advertiser).spent.minor_units
    assert spent == BID

    def rejected(token: str, fingerprint: str, **visitor: str) -> pb.Click:
        click = world.click(site, token, fingerprint, **visitor)
        assert not click.accepted
        assert click.charged.minor_units == 0
        assert click.attribution_token  # the page renders; the token attributes nothing
        return click

    # Replayed: the same token again answers the first click, charging nothing more.
    replay = rejected(first.click_token, "visitor-1")
    assert (replay.rejection, replay.click_id) == (R.CLICK_REJECTION_REPLAYED, accepted.click_id)
    # Duplicate: the same visitor on the same campaign within the window, on a new ad.
    duplicate = rejected(world.one_ad(site, advertiser.word).click_token, "visitor-1")
    assert duplicate.rejection == R.CLICK_REJECTION_DUPLICATE
    # Self-click: the publisher's own account, or the visitor who asked for the ad.
    own = rejected(
        world.one_ad(site, advertiser.word).click_token,
        "visitor-2",
        account_id=site.owner_account_id,
    )
    assert own.rejection == R.CLICK_REJECTION_SELF_CLICK
    asked = world.one_ad(site, advertiser.word, fingerprint="visitor-3")
    assert rejected(asked.click_token, "visitor-3").rejection == R.CLICK_REJECTION_SELF_CLICK
    # Expired: a genuine token past its time.
    past = int((datetime.now(UTC) - timedelta(hours=2)).timestamp())
    expired_token = SIGNER.click_token(
        ClickClaims(
            impression_id=str(uuid.uuid4()),
            campaign_id=campaign.campaign_id,
            publisher_id=site.id,
            product_id=advertiser.product_ids[0],
            issued_at=past,
            expires_at=past + 60,
        )
    )
    assert rejected(expired_token, "visitor-4").rejection == R.CLICK_REJECTION_EXPIRED
    # Forged: signed with another secret; nothing is recorded (no click id).
    forger = TokenSigner(b"not-the-service-secret-at-all!!")
    forged_token = forger.click_token(
        ClickClaims(str(uuid.uuid4()), campaign.campaign_id, site.id, "p", past, past + 10**9)
    )
    forged = world.click(site, forged_token, "visitor-5")
    assert (forged.accepted, forged.rejection, forged.click_id) == (
        False,
        R.CLICK_REJECTION_FORGED,
        "",
    )
    # Campaign inactive: paused after the ad was served.
    paused_ad = world.one_ad(site, advertiser.word)
    world.campaigns.PauseCampaign(
        pb.PauseCampaignRequest(idempotency_key=key(), campaign_id=campaign.campaign_id),
        metadata=advertiser.metadata,
    )
    assert rejected(paused_ad.click_token, "visitor-6").rejection == (
        R.CLICK_REJECTION_CAMPAIGN_INACTIVE
    )
    assert world.serve(site, advertiser.word) == []
    world.campaigns.ResumeCampaign(
        pb.ResumeCampaignRequest(idempotency_key=key(), campaign_id=campaign.campaign_id),
        metadata=advertiser.metadata,
    )

    assert world.balance(advertiser).spent.minor_units == spent
    report = world.report(site)
    reasons = {count.reason: count.count for count in report.clicks_rejected}
    assert reasons == {
        R.CLICK_REJECTION_REPLAYED: 1,
        R.CLICK_REJECTION_DUPLICATE: 1,
        R.CLICK_REJECTION_SELF_CLICK: 2,
        R.CLICK_REJECTION_EXPIRED: 1,
        R.CLICK_REJECTION_CAMPAIGN_INACTIVE: 1,
    }
    assert report.clicks_accepted == 1
    [money] = report.money
    assert (money.earned.minor_units, money.payable.minor_units) == (BID // 2, BID // 2)
    # Every recorded click was published once, with its reason.
    published = world.marketing_events(
        "marketing.click", [accepted.click_id, duplicate.click_id, own.click_id], 3
    )
    assert {envelope.event_type for envelope in published} == {
        "mercato.marketing.v1.AdClicked",
        "mercato.marketing.v1.ClickRejected",
    }
    [clicked] = of_type(published, ev.AdClicked)
    payload = clicked.unpack(ev.AdClicked)
    assert (payload.cost.minor_units, payload.publisher_share.minor_units) == (BID, BID // 2)
    assert payload.platform_share.minor_units == BID - BID // 2


def test_an_exhausted_campaign_stops_charging_at_its_total_cap(world: MarketingWorld) -> None:
    advertiser = world.advertiser()
    site = world.publisher()
    world.deposit(advertiser, 100_000)
    campaign = world.launch_cpc(advertiser, bid=BID, total_cap=cny(2 * BID), daily_cap=cny(2 * BID))
    ads = [world.one_ad(site, advertiser.word) for _ in range(3)]

    clicks = [world.click(site, ad.click_token, f"cap-{i}") for i, ad in enumerate(ads)]

    assert [click.accepted for click in clicks] == [True, True, False]
    assert clicks[2].rejection == R.CLICK_REJECTION_CAMPAIGN_EXHAUSTED
    read = world.campaign(advertiser, campaign.campaign_id)
    assert (read.status, read.spent.minor_units) == (pb.CAMPAIGN_STATUS_EXHAUSTED, 2 * BID)
    assert world.balance(advertiser).spent.minor_units == 2 * BID
    assert world.serve(site, advertiser.word) == []
    exhausted = world.marketing_events("marketing.campaign", campaign.campaign_id, 2)
    assert [e.event_type.rsplit(".", 1)[1] for e in exhausted] == [
        "CampaignLaunched",
        "CampaignExhausted",
    ]


def test_a_flood_flag_rejects_the_key_and_invalidates_its_clicks_beyond_the_rate(
    world: MarketingWorld,
) -> None:
    advertiser = world.advertiser()
    site = world.publisher()
    world.deposit(advertiser, 100_000)
    world.launch_cpc(advertiser, bid=BID)
    clicks = [
        world.click(site, world.one_ad(site, advertiser.word).click_token, f"flood-{i}")
        for i in range(3)
    ]
    assert all(click.accepted for click in clicks)
    assert world.balance(advertiser).spent.minor_units == 3 * BID

    world.flag("publisher", site.id, limit=1)

    invalidated = of_type(
        world.marketing_events("marketing.click", [c.click_id for c in clicks], 5),
        ev.ClickInvalidated,
    )
    assert sorted(e.aggregate_id for e in invalidated) == sorted(c.click_id for c in clicks[1:])
    assert {e.unpack(ev.ClickInvalidated).reason for e in invalidated} == {
        R.CLICK_REJECTION_FLOOD_PUBLISHER
    }
    eventually(lambda: world.balance(advertiser).spent.minor_units == BID, what="refunded")
    flooded = world.click(site, world.one_ad(site, advertiser.word).click_token, "flood-9")
    assert (flooded.accepted, flooded.rejection) == (False, R.CLICK_REJECTION_FLOOD_PUBLISHER)
    report = world.report(site)
    assert (report.clicks_accepted, report.clicks_invalidated) == (3, 2)
    [money] = report.money
    assert (money.earned.minor_units, money.reversed.minor_units) == (3 * 50, 2 * 50)
    assert money.payable.minor_units == 50


def test_the_click_endpoint_redirects_with_an_attribution_token_and_404s_a_forgery(
    world: MarketingWorld,
) -> None:
    advertiser = world.advertiser()
    site = world.publisher()
    world.deposit(advertiser, 100_000)
    world.launch_cpc(advertiser, bid=BID)
    ad = world.one_ad(site, advertiser.word)
    assert ad.click_url == f"http://{world.http_addr}/c/{ad.click_token}"
    assert (ad.title, ad.price.minor_units) == (advertiser.products[0].title, 10_00)
    assert ad.image_ref == f"img://{advertiser.word}/0"

    status, location = world.http_get(
        ad.click_url, {"User-Agent": "tests/1.0", "X-Visitor-Region": "cn"}
    )

    assert status == 302
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        f"https://mercato.example/products/{advertiser.product_ids[0]}"
    )
    [token] = parse_qs(parts.query)["mercato_attribution"]
    claims = SIGNER.attribution_claims(token)
    assert world.balance(advertiser).spent.minor_units == BID
    [clicked] = world.marketing_events("marketing.click", claims.click_id, 1)
    assert clicked.event_type == "mercato.marketing.v1.AdClicked"
    # The same link again is a replay: redirected, not charged.
    assert world.http_get(ad.click_url)[0] == 302
    assert world.balance(advertiser).spent.minor_units == BID
    forged = SIGNER.click_token(
        ClickClaims(str(uuid.uuid4()), "c", site.id, "p", 0, 2**40)
    ).replace(".", ".x", 1)
    assert world.http_get(f"http://{world.http_addr}/c/{forged}")[0] == 404
    assert world.http_get(f"http://{world.http_addr}/healthz")[0] == 200


# -- attribution and commissions ----------------------------------------------------------------


def test_a_cps_click_attributes_its_order_charges_on_completion_and_reverses_on_refund(
    world: MarketingWorld,
) -> None:
    advertiser = world.advertiser()
    site = world.publisher()
    world.deposit(advertiser, 100_000)
    campaign = world.launch_cps(advertiser, bps=1_000)  # 10% of the goods
    ad = world.one_ad(site, advertiser.word)
    assert ad.pricing == pb.PRICING_MODEL_CPS
    click = world.click(site, ad.click_token, "buyer-1")
    assert click.accepted
    assert click.charged.minor_units == 0

    order_id = world.order_placed(advertiser, click.attribution_token, goods=5_000)
    [attributed] = world.marketing_events("marketing.conversion", order_id, 1)
    payload = attributed.unpack(ev.ConversionAttributed)
    assert (payload.click_id, payload.campaign_id) == (click.click_id, campaign.campaign_id)
    assert (payload.order_value.minor_units, payload.commission.minor_units) == (5_000, 500)
    held = world.balance(advertiser)
    assert (held.held.minor_units, held.available.minor_units) == (500, 100_000 - 500)

    world.order_completed(advertiser, order_id, 5_000)
    charged = of_type(
        world.marketing_events("marketing.conversion", order_id, 2), ev.CommissionCharged
    )
    commission = charged[0].unpack(ev.CommissionCharged)
    assert (commission.commission.minor_units, commission.publisher_share.minor_units) == (500, 250)
    assert commission.platform_share.minor_units == 250
    eventually(lambda: world.balance(advertiser).spent.minor_units == 500, what="charged")
    assert world.balance(advertiser).held.minor_units == 0

    world.order_refunded(advertiser, order_id, 5_000)
    reversed_ = of_type(
        world.marketing_events("marketing.conversion", order_id, 3), ev.ConversionReversed
    )
    reversal = reversed_[0].unpack(ev.ConversionReversed)
    assert (reversal.commission.minor_units, reversal.after_payout) == (500, False)
    eventually(lambda: world.balance(advertiser).spent.minor_units == 0, what="reversed")
    report = world.report(site)
    assert (report.conversions, report.reversals) == (1, 1)
    [money] = report.money
    assert (money.earned.minor_units, money.reversed.minor_units) == (250, 250)

    # An order cancelled before completing lapses: its hold is released, nothing charged.
    second = world.click(site, world.one_ad(site, advertiser.word).click_token, "buyer-2")
    lapsing = world.order_placed(advertiser, second.attribution_token, goods=3_000)
    world.marketing_events("marketing.conversion", lapsing, 1)
    assert world.balance(advertiser).held.minor_units == 300
    world.order_cancelled(advertiser, lapsing)
    lapsed = of_type(
        world.marketing_events("marketing.conversion", lapsing, 2), ev.ConversionLapsed
    )
    assert lapsed[0].unpack(ev.ConversionLapsed).released.minor_units == 300
    eventually(lambda: world.balance(advertiser).held.minor_units == 0, what="released")

    # A token that was forged, or of another shop's order, does not attribute.
    forged = TokenSigner(b"another-secret-entirely-0000000").attribution_token(
        AttributionClaims(second.click_id, int(datetime.now(UTC).timestamp()))
    )
    stranger = world.order_placed(advertiser, forged, goods=1_000)
    [rejected] = world.marketing_events("marketing.conversion", stranger, 1)
    assert rejected.unpack(ev.AttributionRejected).reason == "forged"

    days = world.campaigns.GetAdvertiserReport(
        pb.GetAdvertiserReportRequest(), metadata=advertiser.metadata
    ).days
    [today] = [day for day in days if day.campaign_id == campaign.campaign_id]
    assert (today.clicks_accepted, today.conversions) == (2, 2)
    assert today.attributed_gmv.minor_units == 8_000
    assert today.spend.minor_units == 0  # charged 500, reversed 500


def test_a_refund_after_payout_leaves_the_publisher_owing_until_later_earnings(
    world: MarketingWorld,
) -> None:
    advertiser = world.advertiser()
    site = world.publisher()
    world.deposit(advertiser, 100_000)
    world.launch_cps(advertiser, bps=2_000)
    click = world.click(site, world.one_ad(site, advertiser.word).click_token, "buyer")
    order_id = world.order_placed(advertiser, click.attribution_token, goods=10_000)
    world.marketing_events("marketing.conversion", order_id, 1)
    world.order_completed(advertiser, order_id, 10_000)
    world.marketing_events("marketing.conversion", order_id, 2)
    eventually(lambda: world.report(site).money, what="earned")
    operator = world.operator()
    batch = pb.RunPublisherPayoutBatchRequest(
        idempotency_key=key(), batch_id=str(uuid.uuid4()), currency="CNY", max_payouts=10_000
    )

    paid = world.ads.RunPublisherPayoutBatch(batch, metadata=operator)
    again = world.ads.RunPublisherPayoutBatch(batch, metadata=operator)

    assert again == paid
    mine = [payout for payout in paid.payouts if payout.publisher_id == site.id]
    assert [payout.amount.minor_units for payout in mine] == [1_000]
    world.order_refunded(advertiser, order_id, 10_000)
    reversed_ = of_type(
        world.marketing_events("marketing.conversion", order_id, 3), ev.ConversionReversed
    )
    assert reversed_[0].unpack(ev.ConversionReversed).after_payout is True
    [money] = world.report(site).money
    assert (money.paid.minor_units, money.payable.minor_units) == (1_000, -1_000)
    paid_out = world.marketing_events("marketing.payout", batch.batch_id, 2)
    assert {e.event_type.rsplit(".", 1)[1] for e in paid_out} >= {"PublisherPaidOut"}


# -- bad input and isolation --------------------------------------------------------------------


def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(world: MarketingWorld) -> None:
    advertiser = world.advertiser()
    site = world.publisher()
    now = datetime.now(UTC)
    launches = {
        "bid.minor_units": {"pricing": pb.PRICING_MODEL_CPC, "bid": cny(-5)},
        "bid": {"pricing": pb.PRICING_MODEL_CPC},
        "commission_bps": {"pricing": pb.PRICING_MODEL_CPS, "commission_bps": 10_001},
        "ends_at": {
            "pricing": pb.PRICING_MODEL_CPC,
            "bid": cny(10),
            "starts_at": timestamp_message(now + timedelta(days=2)),
            "ends_at": timestamp_message(now + timedelta(days=1)),
        },
        "total_cap.currency": {
            "pricing": pb.PRICING_MODEL_CPC,
            "bid": cny(10),
            "total_cap": Money(currency="XYZ", minor_units=100),
        },
        "targeting.keywords": {
            "pricing": pb.PRICING_MODEL_CPC,
            "bid": cny(10),
            "targeting": pb.Targeting(keywords=[f"k{i}" for i in range(51)]),
        },
        "daily_cap.minor_units": {
            "pricing": pb.PRICING_MODEL_CPC,
            "bid": cny(10),
            "total_cap": cny(100),
            "daily_cap": cny(200),
        },
        "pricing": {"bid": cny(10)},
        "product_ids[0]": {"pricing": pb.PRICING_MODEL_CPC, "bid": cny(10), "product_ids": ["x"]},
    }
    named = {
        expected: named_field(refused(world.launch, advertiser, **overrides))
        for expected, overrides in launches.items()
    }
    assert named == {name: name for name in launches}
    listed = world.campaigns.ListCampaigns(pb.ListCampaignsRequest(), metadata=advertiser.metadata)
    assert list(listed.campaigns) == []

    ads = world.ads
    assert (
        named_field(
            refused(ads.ServeAds, pb.ServeAdsRequest(slot="s", count=0), metadata=site.metadata)
        )
        == "count"
    )
    assert (
        named_field(
            refused(
                ads.ServeAds,
                pb.ServeAdsRequest(slot="s", count=1, region="CHN"),
                metadata=site.metadata,
            )
        )
        == "region"
    )
    assert (
        named_field(
            refused(
                ads.RecordClick,
                pb.RecordClickRequest(click_token="t", visitor=pb.Visitor()),
                metadata=site.metadata,
            )
        )
        == "visitor.fingerprint"
    )
    assert (
        named_field(
            refused(
                world.campaigns.PauseCampaign,
                pb.PauseCampaignRequest(idempotency_key=key(), campaign_id="nope"),
                metadata=advertiser.metadata,
            )
        )
        == "campaign_id"
    )
    assert (
        named_field(
            refused(
                world.campaigns.GetAdvertiserReport,
                pb.GetAdvertiserReportRequest(window=pb.ReportRequestWindow(from_day="2026-13-45")),
                metadata=advertiser.metadata,
            )
        )
        == "window.from_day"
    )
    operator = world.operator()
    assert (
        named_field(
            refused(
                ads.RunPublisherPayoutBatch,
                pb.RunPublisherPayoutBatchRequest(
                    idempotency_key=key(), batch_id=str(uuid.uuid4()), currency="XYZ", max_payouts=1
                ),
                metadata=operator,
            )
        )
        == "currency"
    )
    assert (
        named_field(
            refused(world.campaigns.ListCampaigns, pb.ListCampaignsRequest(), metadata=operator)
        )
        == "advertiser_id"
    )


def test_advertisers_and_publishers_see_only_their_own(world: MarketingWorld) -> None:
    owner, other = world.advertiser(), world.advertiser()
    site, other_site = world.publisher(), world.publisher()
    world.deposit(owner, 10_000)
    campaign = world.launch_cpc(owner, bid=BID)
    unknown = str(uuid.uuid4())

    def not_found(call: object, request: object, metadata: object) -> None:
        error = refused(call, request, metadata=metadata)  # type: ignore[arg-type]
        assert error.code() == grpc.StatusCode.NOT_FOUND, error

    for campaign_id in (campaign.campaign_id, unknown):
        not_found(
            world.campaigns.GetCampaign,
            pb.GetCampaignRequest(campaign_id=campaign_id),
            other.metadata,
        )
        not_found(
            world.campaigns.PauseCampaign,
            pb.PauseCampaignRequest(idempotency_key=key(), campaign_id=campaign_id),
            other.metadata,
        )
    not_found(
        world.campaigns.ListCampaigns,
        pb.ListCampaignsRequest(advertiser_id=owner.id),
        other.metadata,
    )
    not_found(
        world.campaigns.GetAdvertiserBudget,
        pb.GetAdvertiserBudgetRequest(advertiser_id=owner.id),
        other.metadata,
    )
    not_found(
        world.campaigns.GetAdvertiserReport,
        pb.GetAdvertiserReportRequest(advertiser_id=owner.id),
        other.metadata,
    )
    not_found(
        world.ads.GetPublisherReport,
        pb.GetPublisherReportRequest(publisher_id=site.id),
        other_site.metadata,
    )
    # Another publisher cannot report a click on this one's ad.
    ad = world.one_ad(site, owner.word)
    error = refused(world.click, other_site, ad.click_token, "someone")
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    # Publishers do not run campaigns, advertisers do not serve ads, buyers do neither.
    buyer = world.issuer.metadata(subject=str(uuid.uuid4()), roles=["buyer"])
    for metadata in (site.metadata, buyer):
        error = refused(world.campaigns.ListCampaigns, pb.ListCampaignsRequest(), metadata=metadata)
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    error = refused(
        world.ads.ServeAds, pb.ServeAdsRequest(slot="s", count=1), metadata=owner.metadata
    )
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    # The owner and operators see it.
    assert world.campaign(owner, campaign.campaign_id).campaign_id == campaign.campaign_id
    seen = world.campaigns.ListCampaigns(
        pb.ListCampaignsRequest(advertiser_id=owner.id), metadata=world.operator()
    )
    assert [c.campaign_id for c in seen.campaigns] == [campaign.campaign_id]
