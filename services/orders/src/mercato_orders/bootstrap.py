"""The composition root of the orders service: the saga's adapters wired into the kit's runtime.

- the OrderService servicer (buyers and sellers, tokens from identity), its new orders admitted
  while fewer than ORDERS_MAX_IN_FLIGHT are in flight;
- the gateways: catalog, payments and logistics over gRPC channels that carry the correlation
  id, with the service's own token (ORDERS_APP_ID / ORDERS_APP_SECRET, an identity app of kind
  "service" holding catalog:reserve, payments:capture and logistics:ship);
- the Kafka reactions (catalog reservations, payments, shipments) as one idempotent consumer;
- the sweep (every ORDERS_SWEEP_INTERVAL_S): gives up overdue steps, auto-confirms delivered
  orders past their deadline, and sends again whatever a crash or an outage left unanswered.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from mercato.catalog.v1 import catalog_service_pb2_grpc
from mercato.logistics.v1 import shipment_pb2_grpc
from mercato.orders.v1 import orders_pb2, orders_pb2_grpc
from mercato.payments.v1 import payments_pb2_grpc
from mercato_kit.runtime import ServiceContext
from mercato_kit.store import AggregateCache
from mercato_orders.adapters.gateways import (
    CatalogPrices,
    GrpcCatalog,
    GrpcLogistics,
    GrpcPayments,
)
from mercato_orders.adapters.store import OrderKeeping, orders_in
from mercato_orders.adapters.unit_of_work import SqlInstruments, SqlOrders, SqlOrdersUnitOfWork
from mercato_orders.application.admission import Admission
from mercato_orders.application.saga import Background, SagaRunner
from mercato_orders.domain.saga import OrderSaga
from mercato_orders.entrypoints.consumer import TOPICS, SagaReactions
from mercato_orders.entrypoints.grpc_api import OrderService
from mercato_orders.settings import OrdersSettings

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations" / "versions"
_CACHED_ORDERS = 5_000
"""Orders whose histories the process keeps (2-5 KB each; beyond it, the least recently used go
and are replayed in full when next loaded): the orders of the last few minutes at 20 orders/s,
whose facts arrive in bursts."""


def _now() -> datetime:
    return datetime.now(UTC)


def bootstrap(context: ServiceContext[OrdersSettings]) -> None:
    settings = context.settings
    credentials = context.service_credentials().metadata
    catalog = catalog_service_pb2_grpc.CatalogServiceStub(context.channel(settings.catalog_addr))
    payments = payments_pb2_grpc.PaymentServiceStub(context.channel(settings.payments_addr))
    logistics = shipment_pb2_grpc.ShipmentServiceStub(context.channel(settings.logistics_addr))
    saga = OrderSaga(settings.timeouts())
    keeping = OrderKeeping(saga, _now, AggregateCache(capacity=_CACHED_ORDERS))
    units = partial(context.units_of_work(SqlOrdersUnitOfWork), keeping=keeping)
    orders = SqlOrders(units)
    admission = Admission(orders.in_flight, settings.max_in_flight)
    runner = SagaRunner(
        orders,
        GrpcCatalog(catalog, credentials, _now),
        GrpcPayments(payments, credentials, _now, SqlInstruments(units).of),
        GrpcLogistics(logistics, credentials, _now),
        saga,
        _now,
        Background(),
    )
    context.add_servicer(
        orders_pb2_grpc.add_OrderServiceServicer_to_server,
        OrderService(units, CatalogPrices(catalog, credentials), runner, saga, admission),
        orders_pb2.DESCRIPTOR.services_by_name["OrderService"],
    )
    reactions = SagaReactions(runner, orders_in(context.database, keeping))
    context.add_consumer("saga", TOPICS, reactions)
    context.add_task("sweep", runner.sweep, interval=settings.sweep_interval_s)

    async def saga_steps() -> dict[str, float]:
        steps = await runner.steps()
        return {
            "mercato_saga_steps_in_flight": steps.in_flight,
            "mercato_saga_steps_overdue": steps.overdue,
        }

    context.metrics.gauges(
        {
            "mercato_saga_steps_in_flight": "Commands unfinished orders still need answered.",
            "mercato_saga_steps_overdue": "Orders whose current step is past its deadline.",
        },
        saga_steps,
    )

    async def in_flight() -> float | None:
        return admission.in_flight() if admission.limit else None

    async def refused() -> float:
        return admission.refused

    context.metrics.gauge(
        "mercato_orders_in_flight",
        "Orders still needing another service's answer, as PlaceOrder's admission last counted "
        "them (with its own placements since); absent without ORDERS_MAX_IN_FLIGHT.",
        in_flight,
    )
    context.metrics.total(
        "mercato_orders_refused_total",
        "PlaceOrder calls refused (RESOURCE_EXHAUSTED) because ORDERS_MAX_IN_FLIGHT orders were "
        "in flight.",
        refused,
    )
