"""Payments' unit of work: the kit's transaction with payments' repositories hanging off it.

    uow.payments   Payment aggregates (an order's escrow), event-sourced
    uow.budgets    AdvertiserBudget aggregates, event-sourced
    uow.payouts    PayoutBatch aggregates, event-sourced
    uow.payables   the sellers' payable balances (the `seller_payables` table)
    uow.app_charges     AppCharge aggregates (an app-store subscription period), event-sourced
    uow.vendor_payouts  VendorPayoutBatch aggregates, event-sourced
    uow.vendor_payables the app vendors' payable balances (the `vendor_payables` table)

`SqlPaymentsUnitOfWork` is the service's; `InMemoryPaymentsUnitOfWork` is its fake for unit
tests, on the kit's in-memory event store and in-memory payables.
"""

from __future__ import annotations

from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.store import (
    EventSourcedRepository,
    EventStore,
    InMemoryEventStore,
    InMemoryUnitOfWork,
    SqlUnitOfWork,
)
from mercato_payments.adapters.payables import (
    InMemoryPayables,
    SqlSellerPayables,
    SqlVendorPayables,
)
from mercato_payments.adapters.translator import PaymentsTranslator
from mercato_payments.application import Payables
from mercato_payments.domain import (
    AdvertiserBudget,
    AppCharge,
    Payment,
    PayoutBatch,
    VendorPayoutBatch,
)

PRODUCER = "payments"


class _Repositories:
    payments: EventSourcedRepository[Payment]
    budgets: EventSourcedRepository[AdvertiserBudget]
    payouts: EventSourcedRepository[PayoutBatch]
    payables: Payables
    app_charges: EventSourcedRepository[AppCharge]
    vendor_payouts: EventSourcedRepository[VendorPayoutBatch]
    vendor_payables: Payables

    def _open_event_sourced(self, events: EventStore) -> None:
        translator = PaymentsTranslator()
        self.payments = EventSourcedRepository(events, Payment, translator, producer=PRODUCER)
        self.budgets = EventSourcedRepository(
            events, AdvertiserBudget, translator, producer=PRODUCER
        )
        self.payouts = EventSourcedRepository(events, PayoutBatch, translator, producer=PRODUCER)
        self.app_charges = EventSourcedRepository(events, AppCharge, translator, producer=PRODUCER)
        self.vendor_payouts = EventSourcedRepository(
            events, VendorPayoutBatch, translator, producer=PRODUCER
        )


class SqlPaymentsUnitOfWork(SqlUnitOfWork, _Repositories):
    """The kit's SQL unit of work with payments' repositories on its transaction."""

    def _open_repositories(self, session: AsyncSession) -> None:
        self._open_event_sourced(self.events)
        self.payables = SqlSellerPayables(session)
        self.vendor_payables = SqlVendorPayables(session)


class InMemoryPaymentsUnitOfWork(InMemoryUnitOfWork, _Repositories):
    """The fake for unit tests: the kit's in-memory unit of work, and `payables` and
    `vendor_payables` (shared by the units of work of one test, and not rolled back)."""

    def __init__(
        self,
        store: InMemoryEventStore,
        payables: Payables,
        vendor_payables: Payables | None = None,
    ) -> None:
        super().__init__(store)
        self.payables = payables
        self.vendor_payables = InMemoryPayables() if vendor_payables is None else vendor_payables

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self._open_event_sourced(self.events)
        return self
