"""The composition root: the ledger's consumer, servicer and running audit on the kit's runtime."""

from __future__ import annotations

from mercato.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from mercato_kit.runtime import ServiceContext
from mercato_ledger.adapters.tables import MIGRATIONS
from mercato_ledger.adapters.unit_of_work import LedgerUnitOfWork
from mercato_ledger.entrypoints.audit import RunningAudit
from mercato_ledger.entrypoints.consumer import post_event
from mercato_ledger.entrypoints.grpc_api import LedgerService
from mercato_ledger.settings import LedgerSettings

__all__ = ["MIGRATIONS", "bootstrap"]


def bootstrap(context: ServiceContext[LedgerSettings]) -> None:
    # main() loads LedgerSettings: its validators have refused a bad value before this runs.
    settings = context.settings
    units_of_work = context.units_of_work(LedgerUnitOfWork)
    context.add_consumer(
        "postings", settings.topic_names(), post_event, batch_size=settings.consumer_batch
    )
    audit = RunningAudit(units_of_work)
    context.add_task("audit", audit.check, interval=settings.audit_interval_s)

    async def entries_posted() -> float:
        async with units_of_work(read_only=True) as uow:
            sequence, _ = await uow.journal.head()
        return sequence

    async def last_audit_ok() -> float | None:
        return None if audit.passed is None else float(audit.passed)

    context.metrics.total("mercato_ledger_entries_total", "Journal entries posted.", entries_posted)
    context.metrics.gauge(
        "mercato_ledger_last_audit_ok",
        "1 when the running audit's last check found the invariants and the hash chain sound.",
        last_audit_ok,
    )
    context.add_servicer(
        ledger_pb2_grpc.add_LedgerServiceServicer_to_server,
        LedgerService(units_of_work),
        ledger_pb2.DESCRIPTOR.services_by_name["LedgerService"],
    )
