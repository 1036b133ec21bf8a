"""The composition root: the catalog's adapters wired into the kit's runtime."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from mercato.catalog.v1 import catalog_service_pb2, catalog_service_pb2_grpc
from mercato_catalog.adapters.reads import SqlCatalogReads
from mercato_catalog.adapters.unit_of_work import SqlCatalogUnitOfWork
from mercato_catalog.entrypoints.expiry import ReservationSweeper
from mercato_catalog.entrypoints.grpc_api import CatalogService
from mercato_catalog.settings import CatalogSettings
from mercato_kit.runtime import ServiceContext

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations" / "versions"


def bootstrap(context: ServiceContext[CatalogSettings]) -> None:
    settings = context.settings

    unit_of_work = context.units_of_work(SqlCatalogUnitOfWork)
    context.add_servicer(
        catalog_service_pb2_grpc.add_CatalogServiceServicer_to_server,
        CatalogService(
            unit_of_work,
            hold_for=timedelta(milliseconds=round(settings.reservation_ttl * 1000)),
            reads=SqlCatalogReads(context.database),
        ),
        catalog_service_pb2.DESCRIPTOR.services_by_name["CatalogService"],
    )
    context.add_task(
        "reservation-expiry",
        ReservationSweeper(unit_of_work).sweep,
        interval=settings.expiry_interval,
    )

    async def reservations_held() -> float:
        async with unit_of_work(read_only=True) as uow:
            return await uow.reservations.held()

    context.metrics.gauge(
        "mercato_reservations_held",
        "Stock reservations holding stock for orders (not yet committed, released or expired).",
        reservations_held,
    )
