"""The catalog's settings: the kit's ServiceSettings under the CATALOG_ prefix."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from mercato_kit.runtime import ServiceSettings


class CatalogSettings(ServiceSettings):
    """Besides the kit's settings:

    - `CATALOG_RESERVATION_TTL`: seconds a reservation holds its stock unless committed
      (default 900: 15 minutes to pay).
    - `CATALOG_EXPIRY_INTERVAL`: seconds between sweeps for expired reservations (default 1).
    """

    model_config = SettingsConfigDict(env_prefix="CATALOG_")

    grpc_addr: str = "127.0.0.1:50052"
    reservation_ttl: float = Field(900.0, gt=0, le=7 * 24 * 3600)
    expiry_interval: float = Field(1.0, gt=0, le=3600)
