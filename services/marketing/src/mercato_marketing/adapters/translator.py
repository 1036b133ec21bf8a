"""The one module that imports both marketing's domain and the generated protobuf code.

domain events -> mercato.marketing.v1 payloads     (event_payload, for AggregateOutbox)
other services' events -> commands                 (deposit_command, order_command, ...)
requests -> commands, checked, errors naming the field
domain values and read models -> response messages
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, cast

from google.protobuf.message import Message

from mercato.catalog.v1 import catalog_pb2 as catalog_pb
from mercato.catalog.v1 import events_pb2 as catalog_events
from mercato.common.v1 import money_pb2
from mercato.identity.v1 import apps_pb2 as identity_apps
from mercato.identity.v1 import events_pb2 as identity_events
from mercato.marketing.v1 import events_pb2 as ev
from mercato.marketing.v1 import marketing_pb2 as pb
from mercato.orders.v1 import events_pb2 as order_events
from mercato.payments.v1 import payments_pb2 as payments_pb
from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.errors import InvalidArgument, quoted
from mercato_kit.events import EventEnvelope
from mercato_kit.money import Money, check_currency
from mercato_kit.protobuf import (
    datetime_of,
    money_message,
    money_of,
    requested_money,
    timestamp_message,
)
from mercato_marketing.adapters.projections import ProductFact
from mercato_marketing.adapters.stats import CampaignDayFigures, DayWindow, PublisherFigures
from mercato_marketing.domain import (
    AttributedOrder,
    Balance,
    Budget,
    Campaign,
    CampaignStatus,
    CampaignTerms,
    Charge,
    Click,
    ClickRejection,
    Conversion,
    PricingModel,
    PromotedProduct,
    PublisherPayoutBatch,
    Targeting,
    Visitor,
)
from mercato_marketing.domain.campaign import MAX_TERM_LENGTH
from mercato_marketing.domain.commands import (
    AttributeOrder,
    CancelOrder,
    CompleteOrder,
    CreditDeposit,
    FlagTraffic,
    LaunchCampaign,
    RecordClick,
    RefundOrder,
    RegisterPublisher,
    RunPublisherPayoutBatch,
    ServeAds,
)

if TYPE_CHECKING:
    from mercato_marketing.application import ClickOutcome, ServedAd

_PRICING = {PricingModel.CPC: pb.PRICING_MODEL_CPC, PricingModel.CPS: pb.PRICING_MODEL_CPS}
_PRICING_OF = {message: model for model, message in _PRICING.items()}
_STATUS = {
    CampaignStatus.ACTIVE: pb.CAMPAIGN_STATUS_ACTIVE,
    CampaignStatus.PAUSED: pb.CAMPAIGN_STATUS_PAUSED,
    CampaignStatus.EXHAUSTED: pb.CAMPAIGN_STATUS_EXHAUSTED,
    CampaignStatus.ENDED: pb.CAMPAIGN_STATUS_ENDED,
}
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_REGION = re.compile(r"[A-Za-z]{2}")


def rejection_message(reason: ClickRejection) -> pb.ClickRejection:
    return cast(pb.ClickRejection, pb.ClickRejection.Value(f"CLICK_REJECTION_{reason.name}"))


# --- domain events -> payloads ----------------------------------------------------------------


def event_payload(aggregate: Aggregate, event: DomainEvent) -> Message:
    """The published payload of one of marketing's domain events (AggregateOutbox's payload_of)."""
    match event:
        case Campaign.Launched():
            return ev.CampaignLaunched(
                advertiser_id=event.advertiser_id,
                shop_id=event.shop_id,
                name=event.name,
                product_ids=list(event.product_ids),
                pricing=_PRICING[event.terms.pricing],
                bid=_optional_money(event.terms.bid),
                commission_bps=event.terms.commission_bps,
                targeting=targeting_message(event.targeting),
                starts_at=timestamp_message(event.starts_at),
                ends_at=timestamp_message(event.ends_at) if event.ends_at else None,
                total_cap=money_message(event.terms.total_cap),
                daily_cap=money_message(event.terms.daily_cap),
            )
        case Campaign.Paused():
            return ev.CampaignPaused(advertiser_id=event.advertiser_id)
        case Campaign.Resumed():
            return ev.CampaignResumed(advertiser_id=event.advertiser_id)
        case Campaign.Ended():
            return ev.CampaignEnded(advertiser_id=event.advertiser_id)
        case Campaign.Exhausted():
            return ev.CampaignExhausted(
                advertiser_id=event.advertiser_id, spent=money_message(event.spent)
            )
        case Budget.Credited():
            return ev.BudgetCredited(
                deposit_event_id=event.deposit_event_id,
                amount=money_message(event.amount),
                available=money_message(event.available),
            )
        case Budget.Exhausted():
            return ev.BudgetExhausted(available=money_message(event.available))
        case Budget.Replenished():
            return ev.BudgetReplenished(available=money_message(event.available))
        case Click.Accepted():
            return ev.AdClicked(
                campaign_id=event.campaign_id,
                advertiser_id=event.advertiser_id,
                publisher_id=event.publisher_id,
                product_id=event.product_id,
                shop_id=event.shop_id,
                pricing=_PRICING[event.pricing],
                **_charge_fields(event.charge, cost="cost"),
                fingerprint=event.fingerprint,
                clicked_at=timestamp_message(event.clicked_at),
            )
        case Click.Rejected():
            return ev.ClickRejected(
                campaign_id=event.campaign_id,
                advertiser_id=event.advertiser_id,
                publisher_id=event.publisher_id,
                reason=rejection_message(event.reason),
                fingerprint=event.fingerprint,
                clicked_at=timestamp_message(event.clicked_at),
            )
        case Click.Invalidated():
            return ev.ClickInvalidated(
                campaign_id=event.campaign_id,
                advertiser_id=event.advertiser_id,
                publisher_id=event.publisher_id,
                reason=rejection_message(event.reason),
                **_charge_fields(event.charge, cost="cost"),
            )
        case Conversion.Attributed():
            return ev.ConversionAttributed(
                click_id=event.click_id,
                campaign_id=event.campaign_id,
                advertiser_id=event.advertiser_id,
                publisher_id=event.publisher_id,
                shop_id=event.shop_id,
                pricing=_PRICING[event.pricing],
                order_value=money_message(event.order_value),
                commission=money_message(event.commission),
                attributed_at=timestamp_message(event.attributed_at),
            )
        case Conversion.Refused():
            return ev.AttributionRejected(reason=event.reason.value, click_id=event.click_id)
        case Conversion.CommissionCharged():
            return ev.CommissionCharged(
                campaign_id=event.campaign_id,
                advertiser_id=event.advertiser_id,
                publisher_id=event.publisher_id,
                **_charge_fields(event.charge, cost="commission"),
            )
        case Conversion.Lapsed():
            return ev.ConversionLapsed(
                campaign_id=event.campaign_id,
                advertiser_id=event.advertiser_id,
                released=money_message(event.released),
            )
        case Conversion.Reversed():
            return ev.ConversionReversed(
                campaign_id=event.campaign_id,
                advertiser_id=event.advertiser_id,
                publisher_id=event.publisher_id,
                **_charge_fields(event.charge, cost="commission"),
                after_payout=event.after_payout,
                released=money_message(event.released),
            )
        case PublisherPayoutBatch.PaidOut():
            return ev.PublisherPaidOut(
                publisher_id=event.publisher_id, amount=money_message(event.amount)
            )
        case PublisherPayoutBatch.Closed():
            return ev.PublisherPayoutBatchClosed(
                currency=event.currency, payouts=event.payouts, total=money_message(event.total)
            )
    raise TypeError(f"no payload for {type(aggregate).__name__}.{type(event).__name__}")


def _charge_fields(charge: Charge, *, cost: str) -> dict[str, money_pb2.Money]:
    return {
        cost: money_message(charge.cost),
        "publisher_share": money_message(charge.publisher_share),
        "platform_share": money_message(charge.platform_share),
    }


def _optional_money(amount: Money | None) -> money_pb2.Money | None:
    return money_message(amount) if amount is not None else None


# --- other services' events -> commands -----------------------------------------------------


def deposit_command(envelope: EventEnvelope) -> CreditDeposit | None:
    """payments' BudgetDeposited (mercato.payments.budget); None for its other events."""
    if envelope.event_type != payments_pb.BudgetDeposited.DESCRIPTOR.full_name:
        return None
    deposited = envelope.unpack(payments_pb.BudgetDeposited)
    return CreditDeposit(
        deposit_event_id=envelope.event_id,
        advertiser_id=deposited.advertiser_id or envelope.aggregate_id,
        amount=money_of(deposited.amount),
    )


OrderCommand = AttributeOrder | CompleteOrder | CancelOrder | RefundOrder


def order_command(envelope: EventEnvelope) -> OrderCommand | None:
    """orders' events that matter to attribution (mercato.orders.order); None for the others
    and for an order placed without an attribution token."""
    match envelope.event_type:
        case "mercato.orders.v1.OrderPlaced":
            placed = envelope.unpack(order_events.OrderPlaced)
            if not placed.attribution_token or not placed.lines:
                return None
            placed_at = (
                datetime_of(placed.placed_at)
                if placed.HasField("placed_at")
                else envelope.occurred_at
            )
            goods = Money.total(money_of(line.line_total) for line in placed.lines)
            return AttributeOrder(
                order=AttributedOrder(
                    order_id=placed.order_id or envelope.aggregate_id,
                    shop_id=placed.shop_id,
                    goods_value=goods,
                    placed_at=placed_at,
                ),
                attribution_token=placed.attribution_token,
                now=placed_at,
            )
        case "mercato.orders.v1.OrderCompleted":
            completed = envelope.unpack(order_events.OrderCompleted)
            return CompleteOrder(
                order_id=completed.order_id or envelope.aggregate_id,
                at=_at(completed, "completed_at", envelope),
            )
        case "mercato.orders.v1.OrderCancelled":
            cancelled = envelope.unpack(order_events.OrderCancelled)
            return CancelOrder(order_id=cancelled.order_id or envelope.aggregate_id)
        case "mercato.orders.v1.OrderRefunded":
            refunded = envelope.unpack(order_events.OrderRefunded)
            return RefundOrder(
                order_id=refunded.order_id or envelope.aggregate_id,
                at=_at(refunded, "refunded_at", envelope),
            )
    return None


def _at(message: Message, field: str, envelope: EventEnvelope) -> datetime:
    if message.HasField(field):
        return datetime_of(getattr(message, field))
    return envelope.occurred_at


def publisher_command(envelope: EventEnvelope) -> RegisterPublisher | None:
    """identity's AppRegistered of a publisher site (mercato.identity.app)."""
    if envelope.event_type != identity_events.AppRegistered.DESCRIPTOR.full_name:
        return None
    registered = envelope.unpack(identity_events.AppRegistered)
    if registered.kind != identity_apps.APP_KIND_PUBLISHER_SITE:
        return None
    return RegisterPublisher(
        publisher_id=envelope.aggregate_id, owner_account_id=registered.owner_account_id
    )


def product_fact(envelope: EventEnvelope) -> ProductFact | None:
    """catalog's product events (mercato.catalog.product), as far as ads need them."""
    product_id = envelope.aggregate_id
    match envelope.event_type:
        case "mercato.catalog.v1.ProductListed":
            listed = envelope.unpack(catalog_events.ProductListed)
            return ProductFact(
                product_id=product_id,
                shop_id=listed.shop_id,
                seller_id=listed.seller_id,
                title=listed.title,
                attributes=tuple((a.name, a.value) for a in listed.attributes),
                sku_prices=tuple((sku.sku_id, money_of(sku.price)) for sku in listed.skus),
                listed=True,
            )
        case "mercato.catalog.v1.ProductUpdated":
            updated = envelope.unpack(catalog_events.ProductUpdated)
            return ProductFact(
                product_id=product_id,
                shop_id=updated.shop_id,
                seller_id=updated.seller_id,
                title=updated.title,
                attributes=tuple((a.name, a.value) for a in updated.attributes),
            )
        case "mercato.catalog.v1.PriceChanged":
            changed = envelope.unpack(catalog_events.PriceChanged)
            return ProductFact(
                product_id=product_id,
                shop_id=changed.shop_id,
                seller_id=changed.seller_id,
                price_change=(changed.sku_id, money_of(changed.new_price)),
            )
        case "mercato.catalog.v1.ProductDelisted":
            delisted = envelope.unpack(catalog_events.ProductDelisted)
            return ProductFact(
                product_id=product_id,
                shop_id=delisted.shop_id,
                seller_id=delisted.seller_id,
                listed=False,
            )
    return None


def traffic_command(envelope: EventEnvelope) -> FlagTraffic | None:
    """The traffic worker's TrafficFlagged (mercato.marketing.traffic)."""
    if envelope.event_type != ev.TrafficFlagged.DESCRIPTOR.full_name:
        return None
    flagged = envelope.unpack(ev.TrafficFlagged)
    return FlagTraffic(
        kind=flagged.kind,
        key=flagged.key,
        window_start=datetime_of(flagged.window_start),
        window_end=datetime_of(flagged.window_end),
        limit=flagged.limit,
    )


def traffic_flagged_payload(command: FlagTraffic, clicks: int) -> ev.TrafficFlagged:
    """The payload the traffic worker publishes (for its tests and tools)."""
    return ev.TrafficFlagged(
        kind=command.kind,
        key=command.key,
        window_start=timestamp_message(command.window_start),
        window_end=timestamp_message(command.window_end),
        clicks=clicks,
        limit=command.limit,
    )


# --- catalog's answers ----------------------------------------------------------------------


def promoted_product(product: catalog_pb.Product) -> PromotedProduct | None:
    """A product as catalog's GetProduct lists it; None when it is not on sale."""
    if product.status != catalog_pb.PRODUCT_STATUS_ACTIVE:
        return None
    attributes = {attribute.name: attribute.value for attribute in product.attributes}
    prices = [money_of(sku.price) for sku in product.skus]
    lowest = min(prices, key=lambda price: price.minor_units) if prices else None
    return PromotedProduct(
        product_id=product.product_id,
        shop_id=product.shop_id,
        seller_id=product.seller_id,
        title=product.title,
        price=lowest,
        category=attributes.get("category", "").lower(),
        image_ref=attributes.get("image", ""),
        listed=True,
        words=PromotedProduct.words_of(product.title, list(attributes.values())),
    )


# --- requests -> commands ----------------------------------------------------------------------


def launch_campaign(
    request: pb.LaunchCampaignRequest, *, campaign_id: str, advertiser_id: str, now: datetime
) -> LaunchCampaign:
    """The campaign the request asks for, its terms checked (each error names its field)."""
    name = request.name.strip()
    if not name:
        raise InvalidArgument("name", "must not be blank")
    pricing = _PRICING_OF.get(request.pricing)
    if pricing is None:
        raise InvalidArgument("pricing", "must be PRICING_MODEL_CPC or PRICING_MODEL_CPS")
    for index, product_id in enumerate(request.product_ids):
        if not _UUID.fullmatch(product_id):
            raise InvalidArgument(f"product_ids[{index}]", f"{quoted(product_id)} is not a UUID")
    bid = requested_money(request.bid, field="bid") if request.HasField("bid") else None
    if pricing is PricingModel.CPC and bid is None:
        raise InvalidArgument("bid", "a cost-per-click campaign needs a bid")
    terms = CampaignTerms(
        pricing=pricing,
        bid=bid,
        commission_bps=request.commission_bps,
        total_cap=requested_money(request.total_cap, field="total_cap"),
        daily_cap=requested_money(request.daily_cap, field="daily_cap"),
    )
    terms.check()
    targeting = Targeting.of(
        list(request.targeting.keywords),
        list(request.targeting.categories),
        list(request.targeting.regions),
        field="targeting",
    )
    starts_at = datetime_of(request.starts_at) if request.HasField("starts_at") else now
    ends_at = datetime_of(request.ends_at) if request.HasField("ends_at") else None
    if ends_at is not None and ends_at <= starts_at:
        raise InvalidArgument("ends_at", "must be after starts_at")
    return LaunchCampaign(
        campaign_id=campaign_id,
        advertiser_id=advertiser_id,
        shop_id=request.shop_id,
        name=name,
        product_ids=tuple(request.product_ids),
        terms=terms,
        targeting=targeting,
        starts_at=starts_at,
        ends_at=ends_at,
    )


def serve_ads(request: pb.ServeAdsRequest, *, publisher_id: str, now: datetime) -> ServeAds:
    keywords = []
    for index, keyword in enumerate(request.keywords):
        word = keyword.strip().lower()
        if not word or len(word) > MAX_TERM_LENGTH:
            raise InvalidArgument(f"keywords[{index}]", f"1 to {MAX_TERM_LENGTH} characters")
        keywords.append(word)
    return ServeAds(
        publisher_id=publisher_id,
        slot=request.slot,
        keywords=frozenset(keywords),
        category=request.category.strip().lower(),
        region=_region(request.region, "region"),
        count=request.count,
        requester=request.visitor.fingerprint,
        now=now,
    )


def record_click(request: pb.RecordClickRequest, *, now: datetime) -> RecordClick:
    return RecordClick(
        click_token=request.click_token,
        visitor=visitor_of(
            request.visitor.fingerprint,
            account_id=request.visitor.account_id,
            region=request.visitor.region,
            field="visitor",
        ),
        now=now,
    )


def visitor_of(fingerprint: str, *, account_id: str, region: str, field: str) -> Visitor:
    if not fingerprint.strip():
        raise InvalidArgument(f"{field}.fingerprint", "is required for a click")
    return Visitor(
        fingerprint=fingerprint, account_id=account_id, region=_region(region, f"{field}.region")
    )


def _region(region: str, field: str) -> str:
    if region and not _REGION.fullmatch(region):
        raise InvalidArgument(field, "an ISO 3166 country code (two letters)")
    return region.upper()


def payout_batch(request: pb.RunPublisherPayoutBatchRequest) -> RunPublisherPayoutBatch:
    check_currency(request.currency, "currency")
    return RunPublisherPayoutBatch(
        batch_id=request.batch_id, currency=request.currency, max_payouts=request.max_payouts
    )


def report_window(
    window: pb.ReportRequestWindow, as_of: datetime | None, *, now: datetime
) -> DayWindow:
    for name in ("from_day", "to_day"):
        value = getattr(window, name)
        if value:
            try:
                date.fromisoformat(value)
            except ValueError:
                raise InvalidArgument(f"window.{name}", "not a date (YYYY-MM-DD)") from None
    if window.from_day and window.to_day and window.to_day < window.from_day:
        raise InvalidArgument("window.to_day", "must not be before window.from_day")
    return DayWindow(window.from_day, window.to_day, as_of or now)


# --- domain -> responses -----------------------------------------------------------------------


def targeting_message(targeting: Targeting) -> pb.Targeting:
    return pb.Targeting(
        keywords=sorted(targeting.keywords),
        categories=sorted(targeting.categories),
        regions=sorted(targeting.regions),
    )


def campaign_message(campaign: Campaign, spent: Money | None) -> pb.Campaign:
    terms = campaign.required_terms
    assert campaign.starts_at is not None
    return pb.Campaign(
        campaign_id=campaign.id,
        advertiser_id=campaign.advertiser_id,
        shop_id=campaign.shop_id,
        name=campaign.name,
        product_ids=list(campaign.product_ids),
        pricing=_PRICING[terms.pricing],
        bid=_optional_money(terms.bid),
        commission_bps=terms.commission_bps,
        targeting=targeting_message(campaign.targeting),
        starts_at=timestamp_message(campaign.starts_at),
        ends_at=timestamp_message(campaign.ends_at) if campaign.ends_at else None,
        total_cap=money_message(terms.total_cap),
        daily_cap=money_message(terms.daily_cap),
        status=_STATUS[campaign.status],
        spent=money_message(spent or Money.zero(terms.currency)),
        version=campaign.version,
    )


def balance_message(balance: Balance) -> pb.AdvertiserBalance:
    return pb.AdvertiserBalance(
        deposited=money_message(balance.deposited),
        spent=money_message(balance.spent),
        held=money_message(balance.held),
        available=money_message(balance.available),
    )


def ad_message(ad: ServedAd) -> pb.Ad:
    product = ad.product
    return pb.Ad(
        campaign_id=ad.campaign.id,
        product_id=product.product_id,
        shop_id=product.shop_id,
        title=product.title,
        price=_optional_money(product.price),
        image_ref=product.image_ref,
        click_token=ad.click_token,
        click_url=ad.click_url,
        pricing=_PRICING[ad.campaign.required_terms.pricing],
        expires_at=timestamp_message(ad.expires_at),
    )


def click_message(outcome: ClickOutcome) -> pb.Click:
    click = outcome.click
    charged = outcome.charged
    message = pb.Click(accepted=outcome.accepted, attribution_token=outcome.attribution_token)
    if outcome.rejection is not None:
        message.rejection = rejection_message(outcome.rejection)
    if click is not None:
        message.click_id = click.id
        message.product_id = click.product_id
        message.shop_id = click.shop_id
    if charged is not None:
        message.charged.CopyFrom(money_message(charged.cost))
    return message


def campaign_day_message(figures: CampaignDayFigures) -> pb.CampaignDay:
    return pb.CampaignDay(
        campaign_id=figures.campaign_id,
        day=figures.day,
        impressions=figures.impressions,
        clicks_accepted=figures.clicks_accepted,
        clicks_rejected=_rejection_counts(figures.clicks_rejected),
        clicks_invalidated=figures.clicks_invalidated,
        spend=money_message(figures.spend_money),
        conversions=figures.conversions,
        attributed_gmv=money_message(figures.gmv_money),
        return_on_spend_bps=figures.return_on_spend_bps,
    )


def _rejection_counts(counts: dict[ClickRejection, int]) -> list[pb.RejectionCount]:
    return [
        pb.RejectionCount(reason=rejection_message(reason), count=count)
        for reason, count in sorted(counts.items(), key=lambda item: rejection_message(item[0]))
    ]


def publisher_report(figures: PublisherFigures) -> pb.GetPublisherReportResponse:
    return pb.GetPublisherReportResponse(
        publisher_id=figures.publisher_id,
        impressions=figures.impressions,
        clicks_accepted=figures.clicks_accepted,
        clicks_rejected=_rejection_counts(figures.clicks_rejected),
        clicks_invalidated=figures.clicks_invalidated,
        conversions=figures.conversions,
        reversals=figures.reversals,
        money=[
            pb.PublisherMoney(
                earned=money_message(money.of(money.earned)),
                reversed=money_message(money.of(money.reversed)),
                paid=money_message(money.of(money.paid)),
                payable=money_message(money.of(money.payable)),
            )
            for money in figures.money
        ],
    )


def payout_response(batch: PublisherPayoutBatch) -> pb.RunPublisherPayoutBatchResponse:
    return pb.RunPublisherPayoutBatchResponse(
        batch_id=batch.id,
        payouts=[
            pb.PublisherPayout(publisher_id=publisher_id, amount=money_message(amount))
            for publisher_id, amount in batch.payouts
        ],
    )
