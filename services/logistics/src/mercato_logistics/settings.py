"""The logistics service's settings: the kit's ServiceSettings under the LOGISTICS_ prefix.

`LOGISTICS_CARRIER_RULES` (required) says which carrier gets a shipment: a JSON list of rules,
tried in order, the first that matches wins. Each rule:

    {"carrier": "<carrier app id>",             required: the app id in the carrier's tokens
     "regions": ["CN-ZJ", "CN-SH", "JP"],       optional: ISO 3166-1 countries (matching all
                                                their subdivisions) or ISO 3166-2 subdivisions;
                                                omitted or [] = anywhere
     "min_weight_grams": 0,                     optional, inclusive, default 0
     "max_weight_grams": 30000}                 optional, inclusive, default no limit

e.g. `[{"carrier": "sf-express", "regions": ["CN"], "max_weight_grams": 30000},
{"carrier": "freight-co"}]`: parcels to China up to 30 kg go to sf-express, everything else
to freight-co. A shipment no rule matches is refused (FAILED_PRECONDITION).
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_settings import SettingsConfigDict

from mercato_kit.runtime import ServiceSettings
from mercato_logistics.domain import CarrierRule, CarrierRules

Region = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")]


class CarrierRuleSetting(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    carrier: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")
    regions: list[Region] = Field(default_factory=list)
    min_weight_grams: int = Field(0, ge=0)
    max_weight_grams: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _weights_in_order(self) -> Self:
        if self.max_weight_grams is not None and self.max_weight_grams < self.min_weight_grams:
            raise ValueError("max_weight_grams is below min_weight_grams")
        return self

    def to_rule(self) -> CarrierRule:
        return CarrierRule(
            carrier_id=self.carrier,
            regions=frozenset(self.regions),
            min_weight_grams=self.min_weight_grams,
            max_weight_grams=self.max_weight_grams,
        )


class LogisticsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LOGISTICS_")

    grpc_addr: str = "127.0.0.1:50055"
    carrier_rules: list[CarrierRuleSetting] = Field(min_length=1)

    def carriers(self) -> CarrierRules:
        return CarrierRules(rule.to_rule() for rule in self.carrier_rules)
