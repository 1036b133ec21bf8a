"""What the simulated carrier does next with a shipment, and when: pure, no I/O."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

StepKind = Literal["dispatched", "in_transit", "delivered", "lost"]
Status = Literal["created", "dispatched", "in_transit", "delivered", "lost", "cancelled"]


@dataclass(frozen=True)
class Observed:
    """A shipment as the carrier's list shows it."""

    shipment_id: str
    status: Status
    region: str
    transit_scans: int
    updated_at: datetime
    version: int


@dataclass(frozen=True)
class Step:
    """A tracking update to post."""

    kind: StepKind
    location: str
    note: str
    tracking_number: str = ""


@dataclass(frozen=True)
class Plan:
    """The simulated carrier's schedule (simulated seconds) and its loss rate."""

    dispatch_after: float = 2 * 3600
    scan_every: float = 12 * 3600
    hubs: Sequence[str] = ("origin sorting centre", "destination sorting centre")
    deliver_after: float = 8 * 3600
    time_scale: float = 3600
    loss_rate: float = 0.0
    seed: int = 0

    def next_step(self, shipment: Observed, now: datetime) -> Step | None:
        """The step due now, or None (not due yet, or final: delivered, lost, cancelled)."""
        waited = (now - shipment.updated_at).total_seconds() * self.time_scale
        match shipment.status:
            case "created" if waited >= self.dispatch_after:
                return Step(
                    "dispatched",
                    "pick-up",
                    "collected from the seller",
                    tracking_number=tracking_number_for(shipment.shipment_id),
                )
            case "dispatched" | "in_transit" if shipment.transit_scans < len(self.hubs):
                if waited >= self.scan_every:
                    return Step("in_transit", self.hubs[shipment.transit_scans], "scanned")
            case "dispatched" | "in_transit" if waited >= self.deliver_after:
                if self.loses(shipment.shipment_id):
                    return Step("lost", shipment.region, "the parcel cannot be found")
                return Step("delivered", shipment.region, "handed to the recipient")
        return None

    def loses(self, shipment_id: str) -> bool:
        """Whether this parcel is lost: decided by the seed and the shipment id only."""
        return random.Random(f"{self.seed}:{shipment_id}").random() < self.loss_rate


def tracking_number_for(shipment_id: str) -> str:
    return "SIM" + hashlib.sha256(shipment_id.encode()).hexdigest()[:12].upper()
