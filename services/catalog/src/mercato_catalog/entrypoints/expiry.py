"""The sweeper that expires reservations not committed in time (a periodic task)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mercato_catalog.application import expire_reservations
from mercato_catalog.domain import ExpireReservations
from mercato_catalog.entrypoints.grpc_api import now
from mercato_kit.logging import get_logger

if TYPE_CHECKING:
    from mercato_catalog.adapters.unit_of_work import SqlCatalogUnitOfWork

log = get_logger(__name__)


class ReservationSweeper:
    """Each sweep expires up to `batch` due reservations in one transaction."""

    def __init__(self, unit_of_work: Callable[[], SqlCatalogUnitOfWork], batch: int = 100) -> None:
        self._unit_of_work = unit_of_work
        self._batch = batch

    async def sweep(self) -> bool:
        """Expire a batch; True when the batch was full (more may be due)."""
        async with self._unit_of_work() as uow:
            expired = await expire_reservations(ExpireReservations(self._batch), uow, now=now())
            await uow.commit()
        if expired:
            log.info("reservations expired", count=expired)
        return expired == self._batch
