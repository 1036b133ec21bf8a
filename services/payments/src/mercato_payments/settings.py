"""The payments service's settings: the kit's ServiceSettings under the PAYMENTS_ prefix.

- `PAYMENTS_COMMISSION_RATES`: commission by shop tier in basis points (100 = 1%), as
  `tier=bps` pairs separated by commas, one for each tier; default `standard=0,flagship=300`
  (the seeds' tariff: standard shops trade without commission; flagship stores pay it).
- `PAYMENTS_PROCESSING_FEE_BPS`: the payment provider's fee on each charge, in basis points.
- `PAYMENTS_PROVIDER_TIMEOUT_MS`: how long a charge may take before it is voided and declined.
- `PAYMENTS_PROVIDER_FAILURE_DELAY_MS`: how long the simulator's failing instrument takes to
  fail (below the timeout).
"""

from __future__ import annotations

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import SettingsConfigDict

from mercato_kit.runtime import ServiceSettings
from mercato_payments.domain import Tariff


def parse_commission_rates(text: str) -> dict[str, int]:
    """`standard=500,flagship=300` -> {"standard": 500, "flagship": 300}; ValueError if bad."""
    rates: dict[str, int] = {}
    for pair in text.split(","):
        tier, separator, bps = pair.strip().partition("=")
        if not separator or not bps.strip().isdigit() or tier.strip() in rates:
            raise ValueError(f"expected tier=basis_points pairs like standard=500, got {pair!r}")
        rates[tier.strip()] = int(bps)
    Tariff(rates)
    return rates


class PaymentsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PAYMENTS_")

    grpc_addr: str = "127.0.0.1:50054"
    commission_rates: str = "standard=0,flagship=300"
    processing_fee_bps: int = Field(60, ge=0, le=10_000)
    provider_timeout_ms: int = Field(3000, gt=0, le=60_000)
    provider_failure_delay_ms: int = Field(1000, ge=0, le=60_000)

    @field_validator("commission_rates")
    @classmethod
    def _rates_are_complete(cls, value: str) -> str:
        parse_commission_rates(value)
        return value

    @field_validator("provider_failure_delay_ms")
    @classmethod
    def _failure_comes_before_timeout(cls, value: int, info: ValidationInfo) -> int:
        timeout = info.data.get("provider_timeout_ms")
        if timeout is not None and value >= timeout:
            raise ValueError("must be below PAYMENTS_PROVIDER_TIMEOUT_MS")
        return value

    def tariff(self) -> Tariff:
        return Tariff(parse_commission_rates(self.commission_rates), self.processing_fee_bps)
