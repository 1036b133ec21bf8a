"""Marketing end to end, every party real: a seller deposits through payments and launches a
cost-per-sale campaign, a publisher site registered with identity serves its ad, a browser
follows the ad's link through marketing's click endpoint, and the buyer's orders (placed with
the attribution token the redirect carried) go through the whole saga: the completed one is
charged its commission, the one whose parcel was lost is reversed."""

from __future__ import annotations

import http.client
import time
import uuid
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

import grpc
import pytest

from mercato.common.v1.money_pb2 import Money
from mercato.identity.v1 import apps_pb2
from mercato.marketing.v1 import events_pb2 as ev
from mercato.marketing.v1 import marketing_pb2 as pb
from mercato.orders.v1 import orders_pb2 as orders
from mercato.payments.v1 import payments_pb2 as payments
from mercato_kit.events import EventEnvelope, topic_for
from tests.services.logistics._support import delivered, dispatched, lost
from tests.support.ecosystem import APPROVED, FINAL, Ecosystem, key
from tests.support.identity_service import bearer
from tests.support.services import envelopes_on

pytestmark = pytest.mark.timeout(600)

T = TypeVar("T")
PRICE = 80_00
RATE_BPS = 1_000


def eventually(probe: Callable[[], T | None], what: str, timeout: float = 60) -> T:
    deadline = time.monotonic() + timeout
    while True:
        answer = probe()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.2)


def conversion_events(world: Ecosystem, order_id: str, count: int) -> list[str]:
    found: list[EventEnvelope] = envelopes_on(
        world.kafka, topic_for("marketing.conversion"), order_id, count
    )
    return [envelope.event_type.rsplit(".", 1)[1] for envelope in found]


def test_a_click_through_the_endpoint_attributes_orders_through_the_saga(
    world: Ecosystem,
) -> None:
    world.start_marketing()
    seller = world.seller(price=PRICE)
    buyer = world.buyer()

    # The advertiser prepays through payments; marketing credits the deposit.
    world.payments.DepositBudget(
        payments.DepositBudgetRequest(
            idempotency_key=key(),
            advertiser_id=seller.id,
            deposit_id=str(uuid.uuid4()),
            amount=Money(currency="CNY", minor_units=100_00),
            instrument=APPROVED,
        ),
        metadata=seller.signed_in.metadata,
        timeout=30,
    )

    def available() -> int:
        budget = world.campaigns.GetAdvertiserBudget(
            pb.GetAdvertiserBudgetRequest(), metadata=seller.signed_in.metadata, timeout=30
        )
        return sum(balance.available.minor_units for balance in budget.balances)

    eventually(lambda: available() == 100_00, "the deposit credited")

    # A partner registers its site with identity; marketing learns it from identity's events.
    partner = world.identity.signed_in()
    app, secret = world.identity.new_app(
        partner, apps_pb2.APP_KIND_PUBLISHER_SITE, scopes=("marketing:ads",)
    )
    site = bearer(world.identity.app_token(app.app_id, secret).access_token.token)

    def known() -> bool:
        try:
            world.ads.GetPublisherReport(pb.GetPublisherReportRequest(), metadata=site, timeout=30)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return False
            raise
        return True

    eventually(known, "the publisher registered")
    campaign = world.campaigns.LaunchCampaign(
        pb.LaunchCampaignRequest(
            idempotency_key=key(),
            shop_id=seller.shop.shop_id,
            name="Spring tea",
            product_ids=[seller.product.product_id],
            pricing=pb.PRICING_MODEL_CPS,
            commission_bps=RATE_BPS,
            total_cap=Money(currency="CNY", minor_units=50_00),
            daily_cap=Money(currency="CNY", minor_units=50_00),
        ),
        metadata=seller.signed_in.metadata,
        timeout=30,
    ).campaign
    assert campaign.status == pb.CAMPAIGN_STATUS_ACTIVE

    def follow_an_ad() -> str:
        """Serve an ad for the seller's product and follow its link as a browser would."""
        ads = world.ads.ServeAds(
            pb.ServeAdsRequest(slot="home", keywords=["longjing"], count=20),
            metadata=site,
            timeout=30,
        ).ads
        [ad] = [ad for ad in ads if ad.campaign_id == campaign.campaign_id]
        assert ad.price.minor_units == PRICE
        parts = urlsplit(ad.click_url)
        connection = http.client.HTTPConnection(parts.netloc, timeout=30)
        try:
            connection.request("GET", parts.path, headers={"User-Agent": f"browser {uuid.uuid4()}"})
            response = connection.getresponse()
            response.read()
        finally:
            connection.close()
        assert response.status == 302
        location = urlsplit(response.getheader("Location") or "")
        assert location.path.endswith(seller.product.product_id)
        [token] = parse_qs(location.query)["mercato_attribution"]
        return token

    completed = world.place(buyer, seller.line(), attribution_token=follow_an_ad())
    refunded = world.place(buyer, seller.line(), attribution_token=follow_an_ad())
    for order_id in (completed, refunded):
        world.wait_for(buyer, order_id, orders.ORDER_STATUS_PAID)
        world.track(dispatched(world.shipment_of(order_id).shipment_id))
    world.track(delivered(world.shipment_of(completed).shipment_id))
    world.wait_for(buyer, completed, orders.ORDER_STATUS_DELIVERED)
    world.orders.ConfirmReceipt(
        orders.ConfirmReceiptRequest(idempotency_key=key(), order_id=completed),
        metadata=buyer.metadata,
    )
    world.track(lost(world.shipment_of(refunded).shipment_id))
    assert world.wait_for(buyer, completed, *FINAL).status == orders.ORDER_STATUS_COMPLETED
    assert world.wait_for(buyer, refunded, *FINAL).status == orders.ORDER_STATUS_REFUNDED

    commission = PRICE * RATE_BPS // 10_000
    assert conversion_events(world, completed, 2) == ["ConversionAttributed", "CommissionCharged"]
    assert conversion_events(world, refunded, 2) == ["ConversionAttributed", "ConversionReversed"]
    [charged] = [
        envelope.unpack(ev.CommissionCharged)
        for envelope in envelopes_on(world.kafka, topic_for("marketing.conversion"), completed, 2)
        if envelope.event_type.endswith("CommissionCharged")
    ]
    assert (charged.commission.minor_units, charged.publisher_share.minor_units) == (
        commission,
        commission // 2,
    )

    def settled() -> pb.AdvertiserBalance | None:
        [balance] = world.campaigns.GetAdvertiserBudget(
            pb.GetAdvertiserBudgetRequest(), metadata=seller.signed_in.metadata, timeout=30
        ).balances
        return balance if balance.held.minor_units == 0 else None

    balance = eventually(settled, "the refunded order's hold released")
    assert (balance.spent.minor_units, balance.available.minor_units) == (
        commission,
        100_00 - commission,
    )
    report = world.ads.GetPublisherReport(pb.GetPublisherReportRequest(), metadata=site, timeout=30)
    assert (report.clicks_accepted, report.conversions, report.reversals) == (2, 2, 1)
    [money] = report.money
    assert money.earned.minor_units == commission // 2

    # The ledger, following marketing's events, agrees: what is left of the budget, what the
    # publisher is owed, and every invariant holds.
    def posted(account: str, minor_units: int) -> bool:
        return abs(world.balance(account).get("CNY", 0)) == minor_units

    eventually(
        lambda: (
            posted(f"liability:advertiser_budget:{seller.id}", 100_00 - commission)
            and posted(f"liability:publisher_payable:{app.app_id}", commission // 2)
        ),
        "the ledger posted the commission",
        timeout=90,
    )
    assert list(world.audited().violations) == []
