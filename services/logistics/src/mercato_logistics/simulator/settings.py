"""The simulator's settings, from the environment (LOGISTICS_SIMULATOR_*)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, StringConstraints
from pydantic_settings import BaseSettings, SettingsConfigDict

from mercato_logistics.simulator.plan import Plan


class SimulatorSettings(BaseSettings):
    """
    - `LOGISTICS_SIMULATOR_TOKEN` (required): the carrier app's access token (kind "app", role
      "carrier"; its subject is the carrier app id the carrier rules name).
    - `LOGISTICS_GRPC_ADDR` (default 127.0.0.1:50055): where the logistics service listens.
    - `LOGISTICS_SIMULATOR_TIME_SCALE` (default 3600): simulated seconds per real second.
    - `LOGISTICS_SIMULATOR_DISPATCH_AFTER` (7200), `_SCAN_EVERY` (43200), `_DELIVER_AFTER`
      (28800): simulated seconds from the previous step to pick-up, to each hub scan, and to
      delivery (or loss).
    - `LOGISTICS_SIMULATOR_HUBS` (JSON list, default two sorting centres): one in-transit scan
      at each; `[]` goes straight from dispatched to delivered.
    - `LOGISTICS_SIMULATOR_LOSS_RATE` (0 to 1, default 0.02) and `LOGISTICS_SIMULATOR_SEED`
      (default 0): the share of parcels lost, reproducibly.
    - `LOGISTICS_SIMULATOR_POLL_INTERVAL` (default 1.0): real seconds between polls.
    - `LOG_LEVEL` (default INFO).
    """

    model_config = SettingsConfigDict(env_prefix="LOGISTICS_SIMULATOR_")

    token: SecretStr = Field(min_length=1)
    logistics_grpc_addr: str = Field("127.0.0.1:50055", validation_alias="LOGISTICS_GRPC_ADDR")
    time_scale: float = Field(3600.0, gt=0)
    dispatch_after: float = Field(2 * 3600.0, ge=0)
    scan_every: float = Field(12 * 3600.0, ge=0)
    deliver_after: float = Field(8 * 3600.0, ge=0)
    hubs: list[Annotated[str, StringConstraints(min_length=1, max_length=200)]] = Field(
        default_factory=lambda: ["origin sorting centre", "destination sorting centre"],
        max_length=20,
    )
    loss_rate: float = Field(0.02, ge=0, le=1)
    seed: int = 0
    poll_interval: float = Field(1.0, gt=0, le=3600)
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")

    def plan(self) -> Plan:
        return Plan(
            dispatch_after=self.dispatch_after,
            scan_every=self.scan_every,
            hubs=tuple(self.hubs),
            deliver_after=self.deliver_after,
            time_scale=self.time_scale,
            loss_rate=self.loss_rate,
            seed=self.seed,
        )
