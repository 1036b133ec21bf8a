"""The app store's settings, read from the environment beside the platform's (PLATFORM_ prefix):

- `PLATFORM_APP_STORE_SHARE_BPS` (3000): the platform's share of every app-store charge, in
  basis points (rounded down; the vendor gets the rest).
- `PLATFORM_APP_STORE_RENEWAL_INTERVAL` (5 s): between runs of the billing worker (renewals,
  retries of declined charges, refunds, grants and revokes still to make).
- `PLATFORM_APP_STORE_DAY_SECONDS` (86400): the length of a billing day (tests and the demo
  shorten it).
- `PLATFORM_APP_STORE_GRACE_DAYS` (3): billing days a declined renewal is retried (once a day)
  before the subscription is suspended.
- `PLATFORM_APP_STORE_PAYMENTS_ADDR` (127.0.0.1:50054): payments, for charges and refunds.
  Identity is `IDENTITY_GRPC_ADDR`; both are called with the platform's own token
  (`PLATFORM_APP_ID` / `PLATFORM_APP_SECRET`: a service app with `payments:app_store` and
  `grants:manage`). Without them the platform serves everything else, and subscriptions to
  paid plans wait (PENDING) and nothing is granted.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from mercato_kit.grpc import PeerAddress


class AppStoreSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PLATFORM_APP_STORE_", extra="ignore")

    share_bps: int = Field(3000, ge=0, le=10_000)
    renewal_interval: float = Field(5.0, gt=0)
    day_seconds: float = Field(86_400.0, gt=0)
    grace_days: int = Field(3, ge=0, le=60)
    payments_addr: PeerAddress = Field("127.0.0.1:50054", min_length=3)
