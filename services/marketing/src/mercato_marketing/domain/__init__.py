"""Marketing's domain: campaigns, clicks, budgets, conversions and payouts; blind to Kafka,
gRPC, SQL and protobuf."""

from mercato_marketing.domain.budget import Balance, Budget, ChargeRefusal
from mercato_marketing.domain.campaign import (
    Campaign,
    CampaignStatus,
    CampaignTerms,
    PricingModel,
    PromotedProduct,
    Targeting,
)
from mercato_marketing.domain.clicks import (
    Charge,
    Click,
    ClickContext,
    ClickRejection,
    Publisher,
    Visitor,
    judge_click,
)
from mercato_marketing.domain.conversion import (
    AttributedOrder,
    AttributionRefusal,
    Conversion,
    ConversionStatus,
    commission_for,
    refusal,
)
from mercato_marketing.domain.payouts import PublisherPayoutBatch
from mercato_marketing.domain.ranking import Candidate, Observed, Priors, rank
from mercato_marketing.domain.tokens import (
    AttributionClaims,
    BadToken,
    ClickClaims,
    TokenSigner,
)

__all__ = [
    "AttributedOrder",
    "AttributionClaims",
    "AttributionRefusal",
    "BadToken",
    "Balance",
    "Budget",
    "Campaign",
    "CampaignStatus",
    "CampaignTerms",
    "Candidate",
    "Charge",
    "ChargeRefusal",
    "Click",
    "ClickClaims",
    "ClickContext",
    "ClickRejection",
    "Conversion",
    "ConversionStatus",
    "Observed",
    "PricingModel",
    "Priors",
    "PromotedProduct",
    "Publisher",
    "PublisherPayoutBatch",
    "Targeting",
    "TokenSigner",
    "Visitor",
    "commission_for",
    "judge_click",
    "rank",
    "refusal",
]
