"""The composition root: the payments service's adapters wired into the kit's runtime."""

from __future__ import annotations

from pathlib import Path

from mercato.payments.v1 import payments_pb2, payments_pb2_grpc
from mercato_kit.runtime import ServiceContext
from mercato_payments.adapters.provider import SimulatedPaymentProvider
from mercato_payments.adapters.unit_of_work import SqlPaymentsUnitOfWork
from mercato_payments.entrypoints.grpc_api import PaymentService
from mercato_payments.settings import PaymentsSettings

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations" / "versions"


def bootstrap(context: ServiceContext[PaymentsSettings]) -> None:
    # main() runs the service with PaymentsSettings, validated when they were read.
    settings = context.settings
    provider = SimulatedPaymentProvider(failure_delay=settings.provider_failure_delay_ms / 1000)
    context.add_servicer(
        payments_pb2_grpc.add_PaymentServiceServicer_to_server,
        PaymentService(
            context.units_of_work(SqlPaymentsUnitOfWork),
            provider,
            settings.tariff(),
            provider_timeout=settings.provider_timeout_ms / 1000,
        ),
        payments_pb2.DESCRIPTOR.services_by_name["PaymentService"],
    )
