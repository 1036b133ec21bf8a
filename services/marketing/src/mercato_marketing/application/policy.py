"""The service's rules that come from its settings, as the handlers see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from mercato_marketing.domain import Priors


@dataclass(frozen=True)
class Policy:
    publisher_share_bps: int
    attribution_window: timedelta
    duplicate_window: timedelta
    click_token_ttl: timedelta
    click_base_url: str
    priors: Priors
