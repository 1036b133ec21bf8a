"""The app store's renewal task: charges (or ends) the subscriptions whose period ended."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from mercato_platform.adapters.app_store import AppStoreUnitOfWork
from mercato_platform.application.app_store import Billing, renew_due

BATCH = 100


class AppStoreRenewals:
    def __init__(self, unit_of_work: Callable[..., AppStoreUnitOfWork], billing: Billing) -> None:
        self._unit_of_work = unit_of_work
        self._billing = billing

    async def run(self) -> bool:
        """One batch; True when it was full (more may be due right now)."""
        renewed = await renew_due(
            self._unit_of_work, billing=self._billing, now=datetime.now(UTC), batch=BATCH
        )
        return renewed >= BATCH
