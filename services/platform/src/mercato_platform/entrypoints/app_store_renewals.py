"""The app store's billing worker: renews the subscriptions whose period ended and performs what
each still needs of payments and identity (charges, retries, refunds, grants, revokes)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from mercato_platform.adapters.app_store import AppStoreUnitOfWork
from mercato_platform.application.app_subscriptions import Gateways, advance, run_billing
from mercato_platform.domain.app_subscriptions import Terms

BATCH = 100


def utc_now() -> datetime:
    return datetime.now(UTC)


class AppStoreBilling:
    def __init__(
        self,
        unit_of_work: Callable[..., AppStoreUnitOfWork],
        gateways: Gateways,
        terms: Terms,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._gateways = gateways
        self._terms = terms

    async def run(self) -> bool:
        """One batch (of at most BATCH subscriptions)."""
        await run_billing(
            self._unit_of_work, self._gateways, terms=self._terms, clock=utc_now, batch=BATCH
        )
        return False  # one batch per interval: calls left unanswered are not retried in a loop

    async def advance(self, subscription_id: str) -> None:
        """What a call that changed the subscription wants done at once."""
        await advance(
            subscription_id, self._unit_of_work, self._gateways, terms=self._terms, clock=utc_now
        )
