"""What the payment provider answered to one charge attempt."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DeclineReason(StrEnum):
    CARD_DECLINED = "card_declined"
    PROVIDER_TIMEOUT = "provider_timeout"
    PROVIDER_ERROR = "provider_error"
    UNKNOWN_INSTRUMENT = "unknown_instrument"


@dataclass(frozen=True)
class ChargeOutcome:
    """An approved charge (`charge_id`) or a decline (`decline_reason`)."""

    charge_id: str = ""
    decline_reason: DeclineReason | None = None

    @classmethod
    def approved(cls, charge_id: str) -> ChargeOutcome:
        return cls(charge_id=charge_id)

    @classmethod
    def declined(cls, reason: DeclineReason) -> ChargeOutcome:
        return cls(decline_reason=reason)

    @property
    def is_approved(self) -> bool:
        return self.decline_reason is None
