"""The ledger service's settings: the kit's ServiceSettings under the LEDGER_ prefix.

- `LEDGER_TOPICS`: the topics whose money events the ledger posts, comma-separated (default
  mercato.payments.payment, mercato.payments.payout, mercato.payments.budget,
  mercato.payments.app_charge, mercato.payments.vendor_payout, mercato.orders.order,
  mercato.marketing.click, mercato.marketing.conversion, mercato.marketing.payout; tests name
  their own).
- `LEDGER_CONSUMER_BATCH`: records per partition applied in one transaction (default 200).
- `LEDGER_AUDIT_INTERVAL_S`: how often the running service checks the invariants and the new
  part of the hash chain, logging what does not hold (default 60 s).
"""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from mercato_kit.events import topic_for
from mercato_kit.runtime import ServiceSettings

MONEY_TOPICS = ",".join(
    topic_for(kind)
    for kind in (
        "payments.payment",
        "payments.payout",
        "payments.budget",
        "payments.app_charge",
        "payments.vendor_payout",
        "orders.order",
        "marketing.click",
        "marketing.conversion",
        "marketing.payout",
    )
)


class LedgerSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LEDGER_")

    grpc_addr: str = "127.0.0.1:50057"
    topics: str = MONEY_TOPICS
    consumer_batch: int = Field(200, ge=1, le=10_000)
    audit_interval_s: float = Field(60, gt=0, le=86_400)

    @field_validator("topics")
    @classmethod
    def _names_topics(cls, value: str) -> str:
        names = [name.strip() for name in value.split(",")]
        if not all(names):
            raise ValueError("expected topic names separated by commas")
        return ",".join(names)

    def topic_names(self) -> list[str]:
        return self.topics.split(",")
