"""What marketing's handlers need of storage: repositories hanging off one unit of work.

Every method runs in the unit of work's transaction. Money-moving methods of the budget book
are conditional updates: they take a charge only when it fits every limit, under any
concurrency, and say which limit refused it otherwise.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from mercato_kit.money import Money
from mercato_marketing.domain import (
    Balance,
    Budget,
    Campaign,
    Charge,
    ChargeRefusal,
    Click,
    ClickRejection,
    Conversion,
    Observed,
    PromotedProduct,
    Publisher,
    PublisherPayoutBatch,
)


class Campaigns(Protocol):
    async def get(self, campaign_id: str) -> Campaign | None: ...
    async def add(self, campaign: Campaign) -> None: ...
    async def save(self, campaign: Campaign) -> None: ...
    async def of_advertiser(self, advertiser_id: str) -> list[Campaign]: ...
    async def live(self, now: datetime) -> list[Campaign]:
        """Active campaigns within their dates whose advertiser's budget is not exhausted."""
        ...

    async def observed(self, campaign_ids: list[str]) -> dict[str, Observed]: ...


class Products(Protocol):
    async def get(self, product_id: str) -> PromotedProduct | None: ...
    async def many(self, product_ids: list[str]) -> dict[str, PromotedProduct]: ...
    async def put(self, product: PromotedProduct) -> None: ...


class Publishers(Protocol):
    async def get(self, publisher_id: str) -> Publisher | None: ...
    async def put(self, publisher: Publisher) -> None: ...


class Clicks(Protocol):
    async def get(self, click_id: str) -> Click | None: ...
    async def add(self, click: Click) -> None: ...
    async def save(self, click: Click) -> None: ...
    async def seen_recently(self, fingerprint: str, campaign_id: str, since: datetime) -> bool:
        """An accepted click of this fingerprint on this campaign at or after `since`."""
        ...

    async def accepted_in(self, kind: str, key: str, start: datetime, end: datetime) -> list[Click]:
        """Accepted, valid clicks of a fingerprint or publisher in [start, end), oldest first."""
        ...


class TrafficFlags(Protocol):
    async def flag(self, kind: str, key: str, until: datetime) -> None: ...
    async def flagged(self, kind: str, key: str, at: datetime) -> bool: ...


class BudgetBook(Protocol):
    async def budget(self, advertiser_id: str) -> Budget: ...
    async def save(self, budget: Budget) -> None: ...
    async def balances(self, advertiser_id: str) -> dict[str, Balance]: ...
    async def credit(self, advertiser_id: str, amount: Money) -> Balance: ...
    async def charge(self, campaign: Campaign, amount: Money, day: str) -> ChargeRefusal | Balance:
        """Spend `amount` now (a CPC click): budget, campaign total and the day's cap."""
        ...

    async def hold(self, campaign: Campaign, amount: Money, day: str) -> ChargeRefusal | Balance:
        """Hold `amount` for a CPS commission (counts against every limit, like a charge)."""
        ...

    async def settle(self, campaign_id: str, advertiser_id: str, amount: Money) -> None:
        """A held amount becomes spent."""
        ...

    async def release(self, campaign_id: str, advertiser_id: str, amount: Money) -> None:
        """A held amount goes back to available."""
        ...

    async def refund(self, campaign_id: str, advertiser_id: str, amount: Money) -> None:
        """A spent amount goes back to available and off the campaign's total (an invalidated
        click, a reversed commission); a day's cap keeps counting what was charged that day."""
        ...

    async def campaign_spent(self, campaign_id: str) -> Money | None:
        """What the campaign has spent and holds (None before its first charge)."""
        ...


class Earnings(Protocol):
    async def earn(self, publisher_id: str, amount: Money) -> None: ...
    async def take_back(self, publisher_id: str, amount: Money) -> bool:
        """Reduce what the publisher earned; True when it had been paid more than it keeps."""
        ...

    async def payables(self, currency: str) -> list[tuple[str, Money]]: ...
    async def paid(self, publisher_id: str, amount: Money) -> None: ...


class Conversions(Protocol):
    async def get(self, order_id: str) -> Conversion | None: ...
    async def add(self, conversion: Conversion) -> None: ...
    async def save(self, conversion: Conversion) -> None: ...


class Payouts(Protocol):
    async def get(self, batch_id: str) -> PublisherPayoutBatch | None: ...
    async def add(self, batch: PublisherPayoutBatch) -> None: ...


class Stats(Protocol):
    """Per campaign per UTC day counters for the reports (impressions, clicks by outcome...)."""

    async def impressions(self, campaign_ids: list[str], publisher_id: str, day: str) -> None: ...
    async def click(
        self,
        campaign_id: str,
        publisher_id: str,
        day: str,
        rejection: ClickRejection | None,
        spend: Money | None,
    ) -> None: ...
    async def invalidated(self, click: Click, day: str) -> None: ...
    async def conversion(self, conversion: Conversion, order_value: Money, day: str) -> None: ...
    async def commission_charged(self, conversion: Conversion, charge: Charge, day: str) -> None:
        """A CPS commission charged on `day` (the campaign's spend)."""
        ...

    async def conversion_reversed(self, conversion: Conversion, charge: Charge, day: str) -> None:
        """A refunded order's conversion reversed on `day` (what was charged, maybe nothing,
        comes off the campaign's spend)."""
        ...


class MarketingUnitOfWork(Protocol):
    """One transaction over marketing's tables and the outbox (its repositories are read-only
    attributes, so an adapter's own repository types satisfy them)."""

    @property
    def campaigns(self) -> Campaigns: ...

    @property
    def products(self) -> Products: ...

    @property
    def publishers(self) -> Publishers: ...

    @property
    def clicks(self) -> Clicks: ...

    @property
    def flags(self) -> TrafficFlags: ...

    @property
    def budgets(self) -> BudgetBook: ...

    @property
    def earnings(self) -> Earnings: ...

    @property
    def conversions(self) -> Conversions: ...

    @property
    def payouts(self) -> Payouts: ...

    @property
    def stats(self) -> Stats: ...

    async def commit(self) -> None: ...


class ProductLookup(Protocol):
    """Catalog, asked at launch: the product as it lists it now (None: unknown or delisted)."""

    async def product(self, product_id: str) -> PromotedProduct | None: ...
