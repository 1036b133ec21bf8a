"""The composition root: the logistics service's adapters wired into the kit's runtime."""

from __future__ import annotations

from pathlib import Path

from mercato.logistics.v1 import shipment_pb2, shipment_pb2_grpc
from mercato_kit.runtime import ServiceContext
from mercato_logistics.adapters.unit_of_work import SqlLogisticsUnitOfWork
from mercato_logistics.entrypoints.grpc_api import ShipmentService
from mercato_logistics.settings import LogisticsSettings

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations" / "versions"


def bootstrap(context: ServiceContext[LogisticsSettings]) -> None:
    # main() runs the service with LogisticsSettings, validated when they were read.
    settings = context.settings
    context.add_servicer(
        shipment_pb2_grpc.add_ShipmentServiceServicer_to_server,
        ShipmentService(context.units_of_work(SqlLogisticsUnitOfWork), settings.carriers()),
        shipment_pb2.DESCRIPTOR.services_by_name["ShipmentService"],
    )
