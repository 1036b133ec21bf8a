"""The composition root: the ledger's consumer, servicer and running audit on the kit's runtime."""

from __future__ import annotations

from pathlib import Path

from mercato.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from mercato_kit.runtime import ServiceContext
from mercato_ledger.entrypoints.consumer import RunningAudit, post_event
from mercato_ledger.entrypoints.grpc_api import LedgerService
from mercato_ledger.settings import LedgerSettings

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations" / "versions"


def bootstrap(context: ServiceContext) -> None:
    settings = context.settings
    assert isinstance(settings, LedgerSettings)
    context.add_consumer(
        "postings", settings.topic_names(), post_event, batch_size=settings.consumer_batch
    )
    context.add_task(
        "audit", RunningAudit(context.database).check, interval=settings.audit_interval_s
    )
    context.add_servicer(
        ledger_pb2_grpc.add_LedgerServiceServicer_to_server,
        LedgerService(context.database),
        ledger_pb2.DESCRIPTOR.services_by_name["LedgerService"],
    )
