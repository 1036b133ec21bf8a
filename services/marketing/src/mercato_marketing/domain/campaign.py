"""The Campaign aggregate: an advertiser's promotion of its shop's products, by click or by sale.

A campaign's spend is not part of its versioned state: every click would otherwise conflict
with every other. Spend is counted by the budget book (see `budget.py`), whose charges are
conditional updates that never pass a cap; the campaign only learns it is exhausted.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from mercato_kit.money import BASIS_POINTS, Money


class PricingModel(enum.Enum):
    CPC = "cpc"
    CPS = "cps"


class CampaignStatus(enum.Enum):
    ACTIVE = "active"
    PAUSED = "paused"
    EXHAUSTED = "exhausted"
    ENDED = "ended"


MAX_KEYWORDS = 50
MAX_CATEGORIES = 20
MAX_REGIONS = 50
MAX_TERM_LENGTH = 50


@dataclass(frozen=True)
class Targeting:
    """Which slots a campaign's ads fit: keywords or categories of the product, buyer regions."""

    keywords: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls, keywords: list[str], categories: list[str], regions: list[str], *, field: str
    ) -> Targeting:
        """Normalised (lower-case words, upper-case regions) and checked; errors name `field`."""
        for name, values, limit in (
            ("keywords", keywords, MAX_KEYWORDS),
            ("categories", categories, MAX_CATEGORIES),
            ("regions", regions, MAX_REGIONS),
        ):
            if len(values) > limit:
                raise InvalidArgument(f"{field}.{name}", f"at most {limit} entries")
            for index, value in enumerate(values):
                if not value.strip() or len(value) > MAX_TERM_LENGTH:
                    raise InvalidArgument(
                        f"{field}.{name}[{index}]", f"1 to {MAX_TERM_LENGTH} characters"
                    )
        for index, region in enumerate(regions):
            if len(region) != 2 or not region.isalpha():
                raise InvalidArgument(f"{field}.regions[{index}]", "an ISO 3166 country code")
        return cls(
            keywords=frozenset(word.strip().lower() for word in keywords),
            categories=frozenset(category.strip().lower() for category in categories),
            regions=frozenset(region.upper() for region in regions),
        )

    def fits(
        self, product: PromotedProduct, keywords: frozenset[str], category: str, region: str
    ) -> bool:
        """True when a slot fits this campaign's product.

        Region: the campaign's regions, when it has any, must hold the slot's region. Then a
        slot with neither keywords nor category fits anything; otherwise a keyword of the slot
        must be a word of the product (and one of the campaign's keywords, when it has any), or
        the slot's category must be the product's (and one of the campaign's, when it has any).
        """
        if self.regions and region.upper() not in self.regions:
            return False
        if not keywords and not category:
            return True
        matching = keywords & product.words
        if self.keywords:
            matching &= self.keywords
        if matching:
            return True
        category = category.lower()
        return (
            bool(category)
            and category == product.category
            and (not self.categories or category in self.categories)
        )


@dataclass(frozen=True)
class PromotedProduct:
    """A product as catalog lists it, as far as ads need it (marketing's projection)."""

    product_id: str
    shop_id: str
    seller_id: str
    title: str
    price: Money | None
    category: str = ""
    image_ref: str = ""
    listed: bool = True
    words: frozenset[str] = field(default_factory=frozenset)

    @staticmethod
    def words_of(title: str, attribute_values: list[str]) -> frozenset[str]:
        text = " ".join([title, *attribute_values]).lower()
        return frozenset(word for word in _split_words(text) if word)


def _split_words(text: str) -> list[str]:
    word, words = [], []
    for char in text:
        if char.isalnum():
            word.append(char)
        elif word:
            words.append("".join(word))
            word = []
    if word:
        words.append("".join(word))
    return words


@dataclass(frozen=True)
class CampaignTerms:
    """What a campaign charges and how much it may spend."""

    pricing: PricingModel
    bid: Money | None
    commission_bps: int
    total_cap: Money
    daily_cap: Money

    @property
    def currency(self) -> str:
        return self.total_cap.currency

    def check(self) -> None:
        """Refuse terms that make no sense, naming the field."""
        currency = self.total_cap.currency
        if self.daily_cap.currency != currency:
            raise InvalidArgument("daily_cap.currency", "must be the total cap's currency")
        if self.daily_cap.exceeds(self.total_cap):
            raise InvalidArgument("daily_cap.minor_units", "must be at most the total cap")
        if self.pricing is PricingModel.CPC:
            if self.bid is None:
                raise InvalidArgument("bid", "a cost-per-click campaign needs a bid")
            if self.bid.currency != currency:
                raise InvalidArgument("bid.currency", "must be the caps' currency")
            if self.bid.exceeds(self.daily_cap):
                raise InvalidArgument("bid.minor_units", "must be at most the daily cap")
            if self.commission_bps:
                raise InvalidArgument("commission_bps", "only for cost-per-sale campaigns")
        else:
            if not 1 <= self.commission_bps <= BASIS_POINTS:
                raise InvalidArgument("commission_bps", f"must be 1 to {BASIS_POINTS}")
            if self.bid is not None:
                raise InvalidArgument("bid", "only for cost-per-click campaigns")


class Campaign(Aggregate):
    """An advertiser's campaign; its state is kept in marketing's tables, its events published."""

    aggregate_type = "marketing.campaign"

    @dataclass(frozen=True)
    class Launched(DomainEvent):
        advertiser_id: str
        shop_id: str
        name: str
        product_ids: tuple[str, ...]
        terms: CampaignTerms
        targeting: Targeting
        starts_at: datetime
        ends_at: datetime | None

    @dataclass(frozen=True)
    class Paused(DomainEvent):
        advertiser_id: str

    @dataclass(frozen=True)
    class Resumed(DomainEvent):
        advertiser_id: str

    @dataclass(frozen=True)
    class Ended(DomainEvent):
        advertiser_id: str

    @dataclass(frozen=True)
    class Exhausted(DomainEvent):
        advertiser_id: str
        spent: Money

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.advertiser_id = ""
        self.shop_id = ""
        self.name = ""
        self.product_ids: tuple[str, ...] = ()
        self.terms: CampaignTerms | None = None
        self.targeting = Targeting()
        self.starts_at: datetime | None = None
        self.ends_at: datetime | None = None
        self.status = CampaignStatus.ACTIVE

    @classmethod
    def launch(
        cls,
        campaign_id: str,
        *,
        advertiser_id: str,
        shop_id: str,
        name: str,
        product_ids: tuple[str, ...],
        terms: CampaignTerms,
        targeting: Targeting,
        starts_at: datetime,
        ends_at: datetime | None,
    ) -> Campaign:
        terms.check()
        if ends_at is not None and ends_at <= starts_at:
            raise InvalidArgument("ends_at", "must be after starts_at")
        if len(set(product_ids)) != len(product_ids):
            raise InvalidArgument("product_ids", "must not repeat a product")
        campaign = cls(campaign_id)
        campaign._trigger(
            Campaign.Launched(
                advertiser_id=advertiser_id,
                shop_id=shop_id,
                name=name,
                product_ids=product_ids,
                terms=terms,
                targeting=targeting,
                starts_at=starts_at,
                ends_at=ends_at,
            )
        )
        return campaign

    @property
    def currency(self) -> str:
        return self.required_terms.currency

    @property
    def required_terms(self) -> CampaignTerms:
        if self.terms is None:
            raise RuntimeError("a campaign's terms exist once it is launched")
        return self.terms

    def check_advertiser(self, advertiser_id: str) -> None:
        if advertiser_id != self.advertiser_id:
            raise PermissionDenied("this campaign is another advertiser's")

    def pause(self) -> None:
        if self.status is not CampaignStatus.ACTIVE:
            raise FailedPrecondition(f"the campaign is {self.status.value}, not active")
        self._trigger(Campaign.Paused(advertiser_id=self.advertiser_id))

    def resume(self) -> None:
        if self.status is not CampaignStatus.PAUSED:
            raise FailedPrecondition(f"the campaign is {self.status.value}, not paused")
        self._trigger(Campaign.Resumed(advertiser_id=self.advertiser_id))

    def end(self) -> None:
        if self.status is CampaignStatus.ENDED:
            raise FailedPrecondition("the campaign has ended already")
        self._trigger(Campaign.Ended(advertiser_id=self.advertiser_id))

    def exhaust(self, spent: Money) -> None:
        """Its total cap is spent (the budget book says so): no more serving."""
        if self.status in (CampaignStatus.EXHAUSTED, CampaignStatus.ENDED):
            return
        self._trigger(Campaign.Exhausted(advertiser_id=self.advertiser_id, spent=spent))

    def is_live(self, now: datetime) -> bool:
        """Active and within its dates."""
        if self.status is not CampaignStatus.ACTIVE or self.starts_at is None:
            return False
        if now < self.starts_at:
            return False
        return self.ends_at is None or now < self.ends_at

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case Campaign.Launched():
                self.advertiser_id = event.advertiser_id
                self.shop_id = event.shop_id
                self.name = event.name
                self.product_ids = event.product_ids
                self.terms = event.terms
                self.targeting = event.targeting
                self.starts_at = event.starts_at
                self.ends_at = event.ends_at
                self.status = CampaignStatus.ACTIVE
            case Campaign.Paused():
                self.status = CampaignStatus.PAUSED
            case Campaign.Resumed():
                self.status = CampaignStatus.ACTIVE
            case Campaign.Ended():
                self.status = CampaignStatus.ENDED
            case Campaign.Exhausted():
                self.status = CampaignStatus.EXHAUSTED
            case _:
                raise TypeError(f"Campaign cannot apply {type(event).__name__}")
