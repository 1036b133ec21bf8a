"""The carrier simulator: a carrier app that moves the shipments handed to it to their end.

For the demo and the tests. It is a partner like any carrier: it knows only the public gRPC
API and its own access token, never the logistics database. Every poll it lists its shipments
that are not final (`ListShipments`; a cancelled shipment is final, so it is skipped) and, for
each whose next step is due, posts it (`PostTrackingUpdate`):

    CREATED ─dispatch_after─> DISPATCHED ─scan_every─> IN_TRANSIT (one scan per hub) ...
        ─deliver_after─> DELIVERED, or LOST for a `loss_rate` share of parcels

Durations are simulated seconds, measured from the shipment's last update, and run
`time_scale` times faster than real time (3600: an hour a second). Which parcels are lost is
decided by `seed` and the shipment id alone, so a run is reproducible whatever the order
shipments arrive in. Idempotency keys are derived from the shipment and its version, so a
retried post never moves a shipment twice, and a restarted simulator carries on where the
shipments are.

    LOGISTICS_SIMULATOR_TOKEN=<carrier access token> python -m mercato_logistics.simulator

Configuration (environment): see `SimulatorSettings`.
"""

from mercato_logistics.simulator.carrier import CarrierSimulator, FatalCarrierError
from mercato_logistics.simulator.plan import Observed, Plan, Step
from mercato_logistics.simulator.settings import SimulatorSettings

__all__ = [
    "CarrierSimulator",
    "FatalCarrierError",
    "Observed",
    "Plan",
    "SimulatorSettings",
    "Step",
]
