"""Marketing's handlers: each takes its command and the unit of work (load, decide, save)."""

from mercato_marketing.application.campaigns import (
    end_campaign,
    launch_campaign,
    pause_campaign,
    resume_campaign,
)
from mercato_marketing.application.clicks import ClickOutcome, record_click
from mercato_marketing.application.conversions import (
    attribute_order,
    cancel_order,
    complete_order,
    credit_deposit,
    refund_order,
)
from mercato_marketing.application.payouts import run_publisher_payout_batch
from mercato_marketing.application.policy import Policy
from mercato_marketing.application.projections import list_product, register_publisher
from mercato_marketing.application.serving import ServedAd, serve_ads
from mercato_marketing.application.traffic import flag_traffic

__all__ = [
    "ClickOutcome",
    "Policy",
    "ServedAd",
    "attribute_order",
    "cancel_order",
    "complete_order",
    "credit_deposit",
    "end_campaign",
    "flag_traffic",
    "launch_campaign",
    "list_product",
    "pause_campaign",
    "record_click",
    "refund_order",
    "register_publisher",
    "resume_campaign",
    "run_publisher_payout_batch",
    "serve_ads",
]
