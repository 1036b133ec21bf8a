"""The app store's settings, read from the environment beside the platform's (PLATFORM_ prefix):

- `PLATFORM_APP_STORE_SHARE_BPS` (3000): the platform's share of every app-store charge, in
  basis points (rounded down; the vendor gets the rest).
- `PLATFORM_APP_STORE_RENEWAL_INTERVAL` (60 s): between runs of the renewal task.
- `PLATFORM_APP_STORE_DAY_SECONDS` (86400): the length of a billing day (tests shorten it).
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AppStoreSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PLATFORM_APP_STORE_", extra="ignore")

    share_bps: int = Field(3000, ge=0, le=10_000)
    renewal_interval: float = Field(60.0, gt=0)
    day_seconds: float = Field(86_400.0, gt=0)
