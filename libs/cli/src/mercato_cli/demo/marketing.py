"""The demo's marketing act (issue 13): sellers advertise, a partner site serves their ads,
visitors click, and some of the scenario's orders arrive through those clicks.

`plan_marketing` decides everything from the seed and the scenario's plan alone (pure, no I/O):

- which sellers advertise: about half of the shops, always including the shop of the first
  order the scenario refunds (so one attributed cost-per-sale order is refunded and its
  commission reversed);
- each advertiser's two campaigns: cost per click on one of its products (a bid), cost per
  sale on another (a commission rate);
- which orders arrive through a click: a share of all orders, taken from the advertising
  shops' orders (the refunded one, and the first that completes, through their shop's
  cost-per-sale campaign: one commission reversed, one charged);
- the visitors' clicks, each a real browser request to marketing's click endpoint: a
  visitor's first click on a campaign (accepted), the same visitor on the same campaign again
  (a duplicate), an ad's link followed twice (a replay), one visitor per attributed order;
- a flood: one fingerprint clicking past the traffic worker's rate (`FLOOD_LIMIT` clicks per
  `FLOOD_WINDOW` seconds) until marketing rejects its clicks.

`MarketingAct` plays the plan over the public APIs only: advertisers deposit through payments'
DepositBudget (the approving test card) and launch their campaigns; the operator's publisher
site asks for ads (ServeAds) and each visitor follows the ad's link over HTTP (a User-Agent of
its own is its fingerprint), reading the attribution token from the 302's Location; the tokens
go with the scenario's orders; afterwards it waits for marketing to attribute, charge, lapse or
reverse each of them, pays the publisher, and reports clicks by outcome, conversions, and what
the ledger made of it (advertising and affiliate revenue, the month's ad revenue against
expenditure).
"""

from __future__ import annotations

import http.client
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qs, urlsplit

import grpc
from rich.console import Console
from rich.table import Table

from mercato.common.v1 import money_pb2
from mercato.marketing.v1 import events_pb2 as marketing_events
from mercato.marketing.v1 import marketing_pb2 as pb
from mercato.marketing.v1 import marketing_pb2_grpc
from mercato.orders.v1 import orders_pb2
from mercato.payments.v1 import payments_pb2, payments_pb2_grpc
from mercato_cli.demo.launcher import DemoError
from mercato_cli.demo.report import LedgerView, MonthLine
from mercato_cli.demo.scenario import APPROVED_CARD, Outcome, PlannedOrder, status_name, yuan
from mercato_cli.demo.seed import CURRENCY, App, ListedSku, Seller, SignedIn
from mercato_cli.demo.topics import events_by_key
from mercato_kit.events import EventEnvelope, topic_for

__all__ = [
    "FLOOD_LIMIT",
    "FLOOD_WINDOW",
    "MarketingAct",
    "MarketingPlan",
    "PlannedCampaign",
    "PlannedClick",
    "plan_marketing",
    "products_of",
    "traffic_settings",
]

Pricing = Literal["cpc", "cps"]
ClickKind = Literal["first", "duplicate", "replay"]

FLOOD_LIMIT = 10
"""Clicks one fingerprint may make per window (the demo's MARKETING_FLOOD_FINGERPRINT_CLICKS)."""
FLOOD_WINDOW = 300
"""The flood windows' size in seconds (MARKETING_FLOOD_WINDOW)."""
FLOOD_REJECTIONS = 3
"""The flood goes on until marketing has rejected this many of its clicks as a flood."""
REGION = "CN"
"""The visitors' country (the click endpoint's X-Visitor-Region header)."""

_BIDS = (600, 800, 1000, 1200)
"""Cost-per-click bids (fen) the seed picks from."""
_RATES = (800, 1000, 1200, 1500)
"""Cost-per-sale commissions (basis points) the seed picks from."""
_TIMEOUT = 30.0
_SLOT = "demo-home"

T = TypeVar("T")


def traffic_settings() -> dict[str, str]:
    """The traffic worker's windows for the demo: a short flood limit, and pacing that lets a
    campaign spend its whole daily cap within an hour (the demo's clicks come in a burst)."""
    return {
        "MARKETING_FLOOD_FINGERPRINT_CLICKS": str(FLOOD_LIMIT),
        "MARKETING_FLOOD_WINDOW": str(FLOOD_WINDOW),
        "MARKETING_PACING_FACTOR": "24",
    }


# --- the plan -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedCampaign:
    """One campaign: whose shop, which of its products, how it pays."""

    number: int
    shop: int
    product: int
    """Index into the shop's products (`products_of`)."""
    pricing: Pricing
    bid_fen: int = 0
    commission_bps: int = 0


@dataclass(frozen=True)
class PlannedClick:
    """One visitor following one ad's link."""

    number: int
    visitor: int
    campaign: int
    kind: ClickKind
    order: int | None = None
    """The scenario's order whose attribution token this click gives."""
    replays: int | None = None
    """For a replay: the click whose link is followed again."""


@dataclass(frozen=True)
class MarketingPlan:
    advertisers: tuple[int, ...]
    campaigns: tuple[PlannedCampaign, ...]
    clicks: tuple[PlannedClick, ...]
    attributed: dict[int, int]
    """Order number -> the campaign whose click it arrives through."""
    refunded: int | None
    """The attributed cost-per-sale order the scenario refunds (its commission is reversed)."""
    flood_campaign: int

    def count(self, kind: ClickKind) -> int:
        return sum(click.kind == kind for click in self.clicks)

    @property
    def accepted(self) -> int:
        """Clicks marketing must accept: every first click, and the flood's first."""
        return self.count("first") + 1


def plan_marketing(
    seed: int,
    planned: Sequence[PlannedOrder],
    products_per_shop: Sequence[int],
    *,
    clicks: int,
    attributed_share: float,
) -> MarketingPlan:
    """The marketing act, decided by the seed and the scenario's orders alone."""
    if not 0 <= attributed_share <= 1:
        raise ValueError(f"a share must be between 0 and 1, got {attributed_share}")
    shops = [shop for shop, products in enumerate(products_per_shop) if products > 0]
    if not shops:
        raise ValueError("no shop lists a product to advertise")
    rng = random.Random(f"marketing:{seed}")
    refunded_order = next(
        (
            order
            for fate in ("refund", "lose")
            for order in planned
            if order.fate == fate and order.shop in shops
        ),
        None,
    )
    chosen = {refunded_order.shop} if refunded_order is not None else set()
    others = [shop for shop in shops if shop not in chosen]
    rng.shuffle(others)
    while len(chosen) < max(1, (len(shops) + 1) // 2):
        chosen.add(others.pop())
    advertisers = tuple(sorted(chosen))

    campaigns: list[PlannedCampaign] = []
    for shop in advertisers:
        products = rng.sample(range(products_per_shop[shop]), k=min(2, products_per_shop[shop]))
        campaigns.append(
            PlannedCampaign(len(campaigns), shop, products[0], "cpc", bid_fen=rng.choice(_BIDS))
        )
        campaigns.append(
            PlannedCampaign(
                len(campaigns), shop, products[-1], "cps", commission_bps=rng.choice(_RATES)
            )
        )
    of_shop = {shop: [c for c in campaigns if c.shop == shop] for shop in advertisers}

    def cps_of(shop: int) -> int:
        return next(c.number for c in of_shop[shop] if c.pricing == "cps")

    wanted = int(attributed_share * len(planned) + 0.5)
    attributed: dict[int, int] = {}
    refunded = None
    if refunded_order is not None and wanted:
        attributed[refunded_order.number] = cps_of(refunded_order.shop)
        refunded = refunded_order.number
    completing = next(
        (o for o in planned if o.fate in ("confirm", "auto") and o.shop in of_shop), None
    )
    if completing is not None and len(attributed) < wanted:
        attributed[completing.number] = cps_of(completing.shop)  # a commission is charged
    candidates = [o for o in planned if o.shop in of_shop and o.number not in attributed]
    for order in sorted(
        rng.sample(candidates, k=min(len(candidates), max(0, wanted - len(attributed)))),
        key=lambda o: o.number,
    ):
        attributed[order.number] = rng.choice(of_shop[order.shop]).number

    planned_clicks: list[PlannedClick] = []
    visitors = 0
    for number, campaign in sorted(attributed.items()):
        planned_clicks.append(
            PlannedClick(len(planned_clicks), visitors, campaign, "first", order=number)
        )
        visitors += 1
    browsing = visitors
    pool = max(2, clicks // 3)
    seen: set[tuple[int, int]] = set()
    # A cost-per-click ad draws twice the clicks of a cost-per-sale one (its bid ranks it
    # higher on the page).
    weighted = [c.number for c in campaigns for _ in range(2 if c.pricing == "cpc" else 1)]
    for _ in range(clicks):
        visitor, campaign = browsing + rng.randrange(pool), rng.choice(weighted)
        kind: ClickKind = "duplicate" if (visitor, campaign) in seen else "first"
        seen.add((visitor, campaign))
        planned_clicks.append(PlannedClick(len(planned_clicks), visitor, campaign, kind))
    firsts = [c for c in planned_clicks if c.kind == "first" and c.order is None]
    if firsts and clicks >= 2 and not any(c.kind == "duplicate" for c in planned_clicks):
        planned_clicks[-1] = PlannedClick(
            planned_clicks[-1].number, firsts[0].visitor, firsts[0].campaign, "duplicate"
        )
    if firsts:
        planned_clicks.append(
            PlannedClick(
                len(planned_clicks),
                firsts[0].visitor,
                firsts[0].campaign,
                "replay",
                replays=firsts[0].number,
            )
        )
    flood = next(c for c in campaigns if c.pricing == "cpc")
    return MarketingPlan(
        advertisers=advertisers,
        campaigns=tuple(campaigns),
        clicks=tuple(planned_clicks),
        attributed=attributed,
        refunded=refunded,
        flood_campaign=flood.number,
    )


def products_of(seller: Seller) -> list[ListedSku]:
    """The seller's products in listing order (each by its first SKU)."""
    seen: dict[str, ListedSku] = {}
    for sku in seller.skus:
        seen.setdefault(sku.product_id, sku)
    return list(seen.values())


# --- playing it --------------------------------------------------------------------------------


def _cny(fen: int) -> money_pb2.Money:
    return money_pb2.Money(currency=CURRENCY, minor_units=fen)


def _uuid(name: str) -> str:
    """A uuid decided by `name` (ids the services require to be uuids, once per run)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def _reason(reason: int) -> str:
    return pb.ClickRejection.Name(reason).removeprefix("CLICK_REJECTION_").lower()


def _campaign_of(envelope: EventEnvelope) -> str:
    """The campaign a conversion event names ("" for one that names none). Another marketing
    deployment on a shared broker follows the same orders and answers an order it cannot
    attribute (a token it did not sign) under the same key: what names none of this run's
    campaigns is not this run's."""
    message = getattr(marketing_events, envelope.event_type.rsplit(".", 1)[-1], None)
    if message is None or not envelope.event_type.startswith("mercato.marketing.v1."):
        return ""
    campaign_id: str = getattr(envelope.unpack(message), "campaign_id", "")
    return campaign_id


def _eventually(probe: Callable[[], T | None], what: str, timeout: float) -> T:
    deadline = time.monotonic() + timeout
    while True:
        answer = probe()
        if answer is not None:
            return answer
        if time.monotonic() > deadline:
            raise DemoError(f"marketing: {what} did not happen within {timeout:.0f}s")
        time.sleep(0.3)


@dataclass(frozen=True)
class _Attributed:
    """An order that arrived through a click, and its conversion's events."""

    order_id: str
    fate: str
    status: str
    campaign_id: str
    pricing: Pricing
    conversion: list[str]
    refunded_on_plan: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "fate": self.fate,
            "status": self.status,
            "campaign_id": self.campaign_id,
            "pricing": self.pricing,
            "conversion": self.conversion,
        }


@dataclass
class _Followed:
    """A click as the browser saw it."""

    url: str
    status: int
    attribution_token: str


@dataclass
class MarketingAct:
    """The marketing act against the running services (see the module's docstring)."""

    plan: MarketingPlan
    orders: Sequence[PlannedOrder]
    sellers: Sequence[Seller]
    publisher: App
    operator: SignedIn
    marketing: grpc.Channel
    payments: grpc.Channel
    kafka: str
    run_key: str
    console: Console
    campaign_ids: dict[int, str] = field(default_factory=dict)
    deposits: dict[int, int] = field(default_factory=dict)
    """Shop -> what its seller deposited (fen)."""
    tokens: dict[int, str] = field(default_factory=dict)
    """Order number -> the attribution token its click's redirect carried."""
    followed: dict[int, _Followed] = field(default_factory=dict)
    flood_clicks: int = 0
    flood_seconds: float = 0.0
    histories: dict[str, list[str]] = field(default_factory=dict)
    paid_out: int = 0

    def __post_init__(self) -> None:
        self._campaigns = marketing_pb2_grpc.CampaignServiceStub(self.marketing)  # type: ignore[no-untyped-call]
        self._ads = marketing_pb2_grpc.AdServiceStub(self.marketing)  # type: ignore[no-untyped-call]
        self._payments = payments_pb2_grpc.PaymentServiceStub(self.payments)  # type: ignore[no-untyped-call]

    # -- before the orders ------------------------------------------------------------------

    def budget_needed(self, shop: int) -> int:
        """What the advertiser's campaigns can spend at most (fen): every first click on its
        cost-per-click campaigns (and the flood's first), and the commission of each order
        planned through its cost-per-sale campaign."""
        plan, need = self.plan, 0
        for campaign in (c for c in plan.campaigns if c.shop == shop and c.pricing == "cpc"):
            firsts = sum(k.campaign == campaign.number and k.kind == "first" for k in plan.clicks)
            need += campaign.bid_fen * (firsts + (campaign.number == plan.flood_campaign))
        for order in self.orders:
            number = plan.attributed.get(order.number)
            if number is None or plan.campaigns[number].pricing != "cps":
                continue
            seller = self.sellers[order.shop]
            value = sum(
                seller.skus[line.sku_index].price_fen * line.quantity for line in order.lines
            )
            need += value * plan.campaigns[number].commission_bps // 10_000
        return need

    def prepare(self) -> None:
        """Deposits, the publisher known to marketing, the campaigns launched. Each advertiser
        deposits what its campaigns can spend and a quarter more (rounded up to 100 yuan); the
        campaigns' caps are ten times that (the budget is the limit that bites)."""
        began = time.monotonic()
        for shop in self.plan.advertisers:
            need = self.budget_needed(shop) * 5 // 4 + 100_00
            self.deposits[shop] = -(-need // 100_00) * 100_00
        for shop in self.plan.advertisers:
            seller = self.sellers[shop]
            answer = self._payments.DepositBudget(
                payments_pb2.DepositBudgetRequest(
                    idempotency_key=f"{self.run_key}-deposit-{shop}",
                    advertiser_id=seller.who.account_id,
                    deposit_id=_uuid(f"{self.run_key}/deposit/{shop}"),
                    amount=_cny(self.deposits[shop]),
                    instrument=APPROVED_CARD,
                ),
                metadata=seller.who.metadata,
                timeout=_TIMEOUT,
            )
            if not answer.deposited:
                raise DemoError(f"the deposit of advertiser {seller.who.email} was declined")
        advertisers = [self.sellers[shop].who.account_id for shop in self.plan.advertisers]

        def credited() -> bool | None:
            return (
                all(
                    self._available(self.sellers[shop].who.account_id) >= deposit
                    for shop, deposit in self.deposits.items()
                )
                or None
            )

        _eventually(credited, "crediting the advertisers' deposits", timeout=120)
        _eventually(self._publisher_known, "learning the publisher site from identity", 120)
        for campaign in self.plan.campaigns:
            self.campaign_ids[campaign.number] = self._launch(campaign)
        cpc = sum(c.pricing == "cpc" for c in self.plan.campaigns)
        self.console.print(
            f"✓ {len(advertisers)} advertiser{'s' if len(advertisers) > 1 else ''} deposited "
            f"{yuan(sum(self.deposits.values()))} {CURRENCY} (payments' DepositBudget) and "
            "launched "
            f"{cpc} cost-per-click and {len(self.plan.campaigns) - cpc} cost-per-sale campaigns "
            f"({time.monotonic() - began:.1f} s)"
        )

    def _available(self, advertiser: str) -> int:
        budget = self._campaigns.GetAdvertiserBudget(
            pb.GetAdvertiserBudgetRequest(advertiser_id=advertiser),
            metadata=self.operator.metadata,
            timeout=_TIMEOUT,
        )
        return sum(
            b.available.minor_units for b in budget.balances if b.available.currency == CURRENCY
        )

    def _publisher_report(self) -> pb.GetPublisherReportResponse:
        answer: pb.GetPublisherReportResponse = self._ads.GetPublisherReport(
            pb.GetPublisherReportRequest(publisher_id=self.publisher.app_id),
            metadata=self.operator.metadata,
            timeout=_TIMEOUT,
        )
        return answer

    def _publisher_known(self) -> bool | None:
        try:
            self._publisher_report()
        except grpc.RpcError as error:
            if isinstance(error, grpc.Call) and error.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise
        return True

    def _launch(self, campaign: PlannedCampaign) -> str:
        seller = self.sellers[campaign.shop]
        product = products_of(seller)[campaign.product]
        title = product.title.split(" (")[0]
        cpc = campaign.pricing == "cpc"
        answer = self._campaigns.LaunchCampaign(
            pb.LaunchCampaignRequest(
                idempotency_key=f"{self.run_key}-campaign-{campaign.number}",
                shop_id=seller.shop_id,
                name=f"{title}, {'cost per click' if cpc else 'cost per sale'}",
                product_ids=[product.product_id],
                pricing=pb.PRICING_MODEL_CPC if cpc else pb.PRICING_MODEL_CPS,
                bid=_cny(campaign.bid_fen) if cpc else None,
                commission_bps=campaign.commission_bps,
                total_cap=_cny(10 * self.deposits[campaign.shop]),
                daily_cap=_cny(10 * self.deposits[campaign.shop]),
            ),
            metadata=seller.who.metadata,
            timeout=_TIMEOUT,
        )
        campaign_id: str = answer.campaign.campaign_id
        return campaign_id

    def _agent(self, visitor: int | str) -> str:
        return f"Mozilla/5.0 (MercatoDemo; visitor {visitor}; {self.run_key})"

    def _serve(self, campaign: int) -> pb.Ad:
        """The publisher's page asks for ads; the one of `campaign` (DemoError when it is not
        served)."""
        ads = self._ads.ServeAds(
            pb.ServeAdsRequest(slot=_SLOT, count=20),
            metadata=self.publisher.metadata,
            timeout=_TIMEOUT,
        ).ads
        wanted = self.campaign_ids[campaign]
        for ad in ads:
            if ad.campaign_id == wanted:
                served: pb.Ad = ad
                return served
        raise DemoError(f"marketing did not serve campaign {wanted} (of {len(ads)} ads served)")

    def _follow(self, url: str, agent: str) -> _Followed:
        """A browser follows the ad's link: the click endpoint answers 302 to the product page
        with the attribution token."""
        parts = urlsplit(url)
        for _ in range(20):
            connection = http.client.HTTPConnection(parts.netloc, timeout=_TIMEOUT)
            try:
                connection.request(
                    "GET", parts.path, headers={"User-Agent": agent, "X-Visitor-Region": REGION}
                )
                response = connection.getresponse()
                response.read()
            finally:
                connection.close()
            if response.status != 503:  # the database was busy: the endpoint asks to retry
                break
            time.sleep(0.5)
        if response.status != 302:
            raise DemoError(f"the click endpoint answered {response.status} for {parts.path}")
        location = urlsplit(response.getheader("Location") or "")
        token = parse_qs(location.query).get("mercato_attribution", [""])[0]
        return _Followed(url, response.status, token)

    def click(self) -> None:
        """Every planned click, then the flood."""
        began = time.monotonic()
        for planned in self.plan.clicks:
            if planned.kind == "replay":
                assert planned.replays is not None
                url = self.followed[planned.replays].url
            else:
                url = self._serve(planned.campaign).click_url
            followed = self._follow(url, self._agent(planned.visitor))
            self.followed[planned.number] = followed
            if planned.order is not None:
                self.tokens[planned.order] = followed.attribution_token
        kinds = Counter(click.kind for click in self.plan.clicks)
        self.console.print(
            f"✓ {len(self.plan.clicks)} clicks through marketing's click endpoint (HTTP 302 "
            f"with an attribution token): {kinds['first']} first clicks of "
            f"{len({c.visitor for c in self.plan.clicks})} visitors, {kinds['duplicate']} "
            f"duplicates, {kinds['replay']} replayed link; {len(self.tokens)} tokens go with "
            f"orders ({time.monotonic() - began:.1f} s)"
        )
        self._flood()

    def _flood_rejections(self) -> int:
        report = self._publisher_report()
        return sum(
            r.count
            for r in report.clicks_rejected
            if r.reason == pb.CLICK_REJECTION_FLOOD_FINGERPRINT
        )

    def _flood(self) -> None:
        """One fingerprint clicks past the rate; then on until marketing rejects it as a flood
        (the traffic worker's window flags it; marketing follows the flag)."""
        began = time.monotonic()
        agent = self._agent("flood")
        for _ in range(FLOOD_LIMIT + 1):
            self._follow(self._serve(self.plan.flood_campaign).click_url, agent)
            self.flood_clicks += 1
        deadline = time.monotonic() + 90
        while (rejected := self._flood_rejections()) < FLOOD_REJECTIONS:
            if time.monotonic() > deadline:
                self.console.print(
                    f"[red]✗ a flood of {self.flood_clicks} clicks from one fingerprint was "
                    f"not rejected as a flood within 90 s ({rejected} rejections)[/]"
                )
                break
            self._follow(self._serve(self.plan.flood_campaign).click_url, agent)
            self.flood_clicks += 1
            time.sleep(0.25)
        self.flood_seconds = time.monotonic() - began
        if rejected >= FLOOD_REJECTIONS:
            self.console.print(
                f"✓ a flood: one fingerprint clicked {self.flood_clicks} times; over "
                f"{FLOOD_LIMIT} clicks in a {FLOOD_WINDOW} s window the traffic worker flagged "
                f"it and marketing rejects its clicks ({self.flood_seconds:.1f} s)"
            )

    # -- after the orders -------------------------------------------------------------------

    def _attributed_outcomes(self, outcomes: Sequence[Outcome]) -> list[Outcome]:
        return [o for o in outcomes if o.planned.number in self.plan.attributed]

    def _held(self) -> int:
        held = 0
        for shop in self.plan.advertisers:
            budget = self._campaigns.GetAdvertiserBudget(
                pb.GetAdvertiserBudgetRequest(advertiser_id=self.sellers[shop].who.account_id),
                metadata=self.operator.metadata,
                timeout=_TIMEOUT,
            )
            held += sum(b.held.minor_units for b in budget.balances)
        return held

    def settle(self, outcomes: Sequence[Outcome]) -> list[str]:
        """Wait until marketing attributed every order that came through a click and settled
        its commission (charged, lapsed or reversed); pay the publisher. The accounts the
        ledger must then have settled (the publisher's payable, once paid)."""
        began = time.monotonic()
        attributed = self._attributed_outcomes(outcomes)
        refunded = sum(o.status == orders_pb2.ORDER_STATUS_REFUNDED for o in attributed)

        def settled() -> bool | None:
            report = self._publisher_report()
            done = report.conversions >= len(attributed) and report.reversals >= refunded
            return True if done and self._held() == 0 else None

        _eventually(settled, "settling the attributed orders' commissions", timeout=180)
        histories = events_by_key(
            self.kafka, topic_for("marketing.conversion"), [o.order_id for o in attributed]
        )
        ours = set(self.campaign_ids.values())
        self.histories = {
            order_id: [e.event_type.rsplit(".", 1)[-1] for e in events if _campaign_of(e) in ours]
            for order_id, events in histories.items()
        }
        self.console.print(
            f"✓ marketing attributed {len(attributed)} orders to their clicks and settled their "
            f"commissions ({time.monotonic() - began:.1f} s)"
        )
        answer = self._ads.RunPublisherPayoutBatch(
            pb.RunPublisherPayoutBatchRequest(
                idempotency_key=f"{self.run_key}-publisher-payout",
                batch_id=_uuid(f"{self.run_key}/publisher-payout"),
                currency=CURRENCY,
                max_payouts=1000,
            ),
            metadata=self.operator.metadata,
            timeout=_TIMEOUT,
        )
        self.paid_out = sum(
            p.amount.minor_units for p in answer.payouts if p.publisher_id == self.publisher.app_id
        )
        self.console.print(
            f"✓ publisher payout batch: the partner site was paid {yuan(self.paid_out)} {CURRENCY}"
        )
        if self.paid_out > 0:
            return [f"liability:publisher_payable:{self.publisher.app_id}"]
        return []

    def report(
        self,
        outcomes: Sequence[Outcome],
        ledger: LedgerView | None,
        months: Sequence[MonthLine],
    ) -> dict[str, Any]:
        """Print the act's report; what it found (summary.json's `marketing`, with `ok`)."""
        console = self.console
        publisher = self._publisher_report()
        rejected = {_reason(r.reason): int(r.count) for r in publisher.clicks_rejected}
        campaigns = self._campaign_rows()
        self._print_campaigns(campaigns)

        attributed = self._attributed_outcomes(outcomes)
        orders = [
            _Attributed(
                order_id=outcome.order_id,
                fate=outcome.planned.fate,
                status=status_name(outcome.status),
                campaign_id=self.campaign_ids[self.plan.attributed[outcome.planned.number]],
                pricing=self.plan.campaigns[self.plan.attributed[outcome.planned.number]].pricing,
                conversion=self.histories.get(outcome.order_id, []),
                refunded_on_plan=outcome.planned.number == self.plan.refunded,
            )
            for outcome in attributed
        ]
        reversed_order = next(
            (
                o
                for o in orders
                if o.refunded_on_plan and o.conversion[-1:] == ["ConversionReversed"]
            ),
            None,
        )
        money = next((m for m in publisher.money if m.earned.currency == CURRENCY), None)
        months = [line for line in months if line.currency == CURRENCY]
        revenue = {
            stream: sum(line.by_stream.get(stream, 0) for line in months)
            for stream in ("advertising", "affiliate")
        }
        agrees = self._ledger_agrees(ledger) if ledger is not None else None

        table = Table(title="Marketing: clicks through the partner site's ads")
        table.add_column("outcome")
        table.add_column("clicks", justify="right")
        table.add_row("accepted", str(publisher.clicks_accepted))
        for reason, count in sorted(rejected.items()):
            table.add_row(f"rejected: {reason}", str(count))
        table.add_row("invalidated later", str(publisher.clicks_invalidated))
        console.print(table)
        console.print(
            f"  conversions: {publisher.conversions} orders arrived through a click "
            f"({sum(o.pricing == 'cps' for o in orders)} cost per sale); "
            f"{publisher.reversals} reversed"
        )
        paths = Counter((o.pricing, o.status.lower(), " → ".join(o.conversion)) for o in orders)
        for (pricing, status, path), count in sorted(paths.items()):
            console.print(f"    {count} {pricing} order(s), {status}: {path}")
        if reversed_order is not None:
            console.print(
                f"  ✓ the attributed cost-per-sale order {reversed_order.order_id} was "
                "refunded: its commission was reversed"
            )
        spent = {
            pricing: sum(row["spend"] for row in campaigns if row["pricing"] == pricing)
            for pricing in ("cpc", "cps")
        }
        console.print(
            f"  advertisers spent {yuan(spent['cpc'])} {CURRENCY} on clicks (advertising "
            f"revenue, gross) and {yuan(spent['cps'])} {CURRENCY} on commissions (the "
            "platform's share is affiliate revenue)"
        )
        if money is not None:
            console.print(
                f"  publisher (partner site): earned {yuan(money.earned.minor_units)}, reversed "
                f"{yuan(money.reversed.minor_units)}, paid {yuan(money.paid.minor_units)}, "
                f"payable {yuan(money.payable.minor_units)} {CURRENCY}"
            )
        if months:
            console.print(
                f"  the ledger (every event on this broker): advertising revenue "
                f"{yuan(revenue['advertising'])} {CURRENCY}, affiliate revenue "
                f"{yuan(revenue['affiliate'])} {CURRENCY}"
            )
            for line in months:
                console.print(f"  {line.sentence()}")

        checks: dict[str, bool] = {
            "clicks_accepted_as_planned": publisher.clicks_accepted == self.plan.accepted,
            "duplicates_rejected": rejected.get("duplicate", 0) >= self.plan.count("duplicate")
            and rejected.get("duplicate", 0) > 0,
            "replay_rejected": rejected.get("replayed", 0) == self.plan.count("replay"),
            "flood_rejected": rejected.get("flood_fingerprint", 0) >= FLOOD_REJECTIONS,
            "conversions_attributed": publisher.conversions == len(attributed)
            and all(o.conversion[:1] == ["ConversionAttributed"] for o in orders),
            "commissions_charged": all(
                "CommissionCharged" in o.conversion
                for o in orders
                if o.pricing == "cps" and o.status == "COMPLETED"
            ),
            "commission_reversed": self.plan.refunded is None or reversed_order is not None,
        }
        if ledger is not None:
            checks["advertising_revenue"] = revenue["advertising"] > 0
            checks["monthly_line"] = bool(months)
            checks["ledger_agrees_with_marketing"] = bool(agrees)
        failed = [name for name, held in checks.items() if not held]
        if failed:
            console.print(f"[red]✗ marketing checks failed: {', '.join(failed)}[/]")
        else:
            console.print("✓ marketing: every check holds")
        return {
            "publisher_id": self.publisher.app_id,
            "advertisers": [self.sellers[shop].who.account_id for shop in self.plan.advertisers],
            "deposits": {
                self.sellers[shop].who.account_id: deposit
                for shop, deposit in self.deposits.items()
            },
            "campaigns": campaigns,
            "clicks": {
                "sent": len(self.plan.clicks) + self.flood_clicks,
                "planned": dict(Counter(c.kind for c in self.plan.clicks)),
                "flood_clicks": self.flood_clicks,
                "impressions": publisher.impressions,
                "accepted": publisher.clicks_accepted,
                "rejected": rejected,
                "invalidated": publisher.clicks_invalidated,
            },
            "attributed_orders": [o.as_dict() for o in orders],
            "conversions": publisher.conversions,
            "reversals": publisher.reversals,
            "commission_reversed": reversed_order.order_id if reversed_order else None,
            "publisher": {
                "earned": money.earned.minor_units if money else 0,
                "reversed": money.reversed.minor_units if money else 0,
                "paid": money.paid.minor_units if money else 0,
                "payable": money.payable.minor_units if money else 0,
                "paid_out": self.paid_out,
            },
            "revenue": revenue,
            "spent": spent,
            "monthly": [line.sentence() for line in months],
            "ledger_agrees": agrees,
            "checks": checks,
            "ok": not failed,
        }

    def _campaign_rows(self) -> list[dict[str, Any]]:
        days: dict[str, list[pb.CampaignDay]] = {}
        for shop in self.plan.advertisers:
            answer = self._campaigns.GetAdvertiserReport(
                pb.GetAdvertiserReportRequest(advertiser_id=self.sellers[shop].who.account_id),
                metadata=self.operator.metadata,
                timeout=_TIMEOUT,
            )
            for day in answer.days:
                days.setdefault(day.campaign_id, []).append(day)
        rows = []
        for campaign in self.plan.campaigns:
            campaign_id = self.campaign_ids[campaign.number]
            mine = days.get(campaign_id, [])
            rejected: Counter[str] = Counter()
            for day in mine:
                for r in day.clicks_rejected:
                    rejected[_reason(r.reason)] += r.count
            rows.append(
                {
                    "campaign_id": campaign_id,
                    "shop_id": self.sellers[campaign.shop].shop_id,
                    "product": products_of(self.sellers[campaign.shop])[campaign.product].title,
                    "pricing": campaign.pricing,
                    "bid": campaign.bid_fen,
                    "commission_bps": campaign.commission_bps,
                    "impressions": sum(d.impressions for d in mine),
                    "clicks_accepted": sum(d.clicks_accepted for d in mine),
                    "clicks_rejected": dict(rejected),
                    "spend": sum(d.spend.minor_units for d in mine),
                    "conversions": sum(d.conversions for d in mine),
                    "attributed_gmv": sum(d.attributed_gmv.minor_units for d in mine),
                }
            )
        return rows

    def _print_campaigns(self, rows: Sequence[dict[str, Any]]) -> None:
        table = Table(title="Marketing: campaigns (advertisers' reports, CNY)")
        table.add_column("shop")
        table.add_column("product")
        table.add_column("terms")
        for column in ("shown", "clicks", "rejected", "spend", "orders", "GMV"):
            table.add_column(column, justify="right")
        shops = {seller.shop_id: n + 1 for n, seller in enumerate(self.sellers)}
        for row in rows:
            terms = (
                f"{yuan(row['bid'])}/click"
                if row["pricing"] == "cpc"
                else f"{row['commission_bps'] / 100:g}%/sale"
            )
            table.add_row(
                str(shops[row["shop_id"]]),
                row["product"].split(" (")[0],
                terms,
                str(row["impressions"]),
                str(row["clicks_accepted"]),
                str(sum(row["clicks_rejected"].values())),
                yuan(row["spend"]),
                str(row["conversions"]),
                yuan(row["attributed_gmv"]),
            )
        self.console.print(table)

    def _ledger_agrees(self, ledger: LedgerView) -> bool:
        """Each advertiser's budget on the ledger (a liability: credit negative) is what
        marketing says is left of it: deposited less spent."""
        agrees = True
        for shop in self.plan.advertisers:
            advertiser = self.sellers[shop].who.account_id
            budget = self._campaigns.GetAdvertiserBudget(
                pb.GetAdvertiserBudgetRequest(advertiser_id=advertiser),
                metadata=self.operator.metadata,
                timeout=_TIMEOUT,
            )
            left = sum(
                b.deposited.minor_units - b.spent.minor_units
                for b in budget.balances
                if b.deposited.currency == CURRENCY
            )
            posted = (ledger.balance(f"liability:advertiser_budget:{advertiser}") or {}).get(
                CURRENCY, 0
            )
            if -posted != left:
                self.console.print(
                    f"[red]✗ advertiser {advertiser}: the ledger holds {yuan(-posted)}, "
                    f"marketing {yuan(left)} {CURRENCY}[/]"
                )
                agrees = False
        return agrees
