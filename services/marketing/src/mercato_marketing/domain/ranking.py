"""Choosing which ads to serve: expected value per impression, learnt from what was observed.

eCPM (in minor units per impression, as a float only for ranking, never for money):
    CPC: bid x CTR
    CPS: price x commission rate x CTR x CVR
CTR and CVR start from priors and move towards the observed rates with a Beta prior of
`prior_weight` pseudo-observations: (clicks + prior x weight) / (impressions + weight).
"""

from __future__ import annotations

from dataclasses import dataclass

from mercato_kit.money import BASIS_POINTS
from mercato_marketing.domain.campaign import Campaign, PricingModel, PromotedProduct


@dataclass(frozen=True)
class Priors:
    ctr_bps: int = 200
    cvr_bps: int = 300
    weight: int = 100


@dataclass(frozen=True)
class Observed:
    """A campaign's counts so far."""

    impressions: int = 0
    clicks: int = 0
    conversions: int = 0


@dataclass(frozen=True)
class Candidate:
    campaign: Campaign
    product: PromotedProduct
    observed: Observed


def click_through(observed: Observed, priors: Priors) -> float:
    prior = priors.ctr_bps / BASIS_POINTS
    return (observed.clicks + prior * priors.weight) / (observed.impressions + priors.weight)


def conversion_rate(observed: Observed, priors: Priors) -> float:
    prior = priors.cvr_bps / BASIS_POINTS
    return (observed.conversions + prior * priors.weight) / (observed.clicks + priors.weight)


def expected_value(candidate: Candidate, priors: Priors) -> float:
    """eCPM of one candidate ad, in minor units per impression."""
    terms = candidate.campaign.required_terms
    ctr = click_through(candidate.observed, priors)
    if terms.pricing is PricingModel.CPC:
        assert terms.bid is not None
        return terms.bid.minor_units * ctr
    price = candidate.product.price.minor_units if candidate.product.price else 0
    rate = terms.commission_bps / BASIS_POINTS
    return price * rate * ctr * conversion_rate(candidate.observed, priors)


def rank(candidates: list[Candidate], count: int, priors: Priors) -> list[Candidate]:
    """The best `count` candidates, one per campaign, by eCPM (ties: campaign id)."""
    best: dict[str, tuple[float, Candidate]] = {}
    for candidate in candidates:
        value = expected_value(candidate, priors)
        kept = best.get(candidate.campaign.id)
        if kept is None or value > kept[0]:
            best[candidate.campaign.id] = (value, candidate)
    ordered = sorted(best.values(), key=lambda pair: (-pair[0], pair[1].campaign.id))
    return [candidate for _, candidate in ordered[:count]]
