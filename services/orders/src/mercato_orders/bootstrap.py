"""The composition root of the orders service.

Phase 1 wires nothing but the database (the runtime migrates it: order summaries and
instruments beside the kit's event store): the OrderService servicer, the gRPC gateways with
the service's own token, the Kafka reactions (adapters.reactions.TOPICS) and the periodic sweep
(SagaRunner.sweep on mercato_kit.tasks) are phase 2.
"""

from __future__ import annotations

from pathlib import Path

from mercato_kit.runtime import ServiceContext
from mercato_orders.settings import OrdersSettings

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations" / "versions"


def bootstrap(context: ServiceContext) -> None:
    assert isinstance(context.settings, OrdersSettings)
