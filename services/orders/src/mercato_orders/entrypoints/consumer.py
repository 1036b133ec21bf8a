"""Kafka in: other services' events, as the saga's facts, recorded on their orders.

The topics the orders service follows: mercato.catalog.reservation, mercato.payments.payment,
mercato.logistics.shipment. The translator decodes each event into a fact (None for events the
saga ignores); recording a fact twice changes nothing, so a redelivered event decides nothing
new.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from mercato_kit.consumer import ConsumedRecord
from mercato_kit.events import EventEnvelope
from mercato_orders.adapters.translator import fact_from_event
from mercato_orders.application.ports import OrderStore
from mercato_orders.application.saga import SagaRunner
from mercato_orders.domain import OrderNotFound

TOPICS = ("mercato.catalog.reservation", "mercato.payments.payment", "mercato.logistics.shipment")


class SagaReactions:
    """The consumer's handler: record the event's fact on its order inside the consumer's
    transaction (with its tracking record), then, once that commits, send what the fact newly
    requires. An event about an order this service does not know is not ours: skipped.

    `orders_on(session)` is the order repository inside the consumer's transaction."""

    def __init__(self, runner: SagaRunner, orders_on: Callable[[AsyncSession], OrderStore]) -> None:
        self._runner = runner
        self._orders_on = orders_on

    async def __call__(
        self, session: AsyncSession, envelope: EventEnvelope, record: ConsumedRecord
    ) -> None:
        fact = fact_from_event(envelope, self._runner.clock())
        if fact is None:
            return
        try:
            commands = await self._runner.record(fact, self._orders_on(session))
        except OrderNotFound:
            return
        if not commands:
            return
        runner = self._runner

        def committed(_: Session) -> None:
            runner.dispatch(commands)

        event.listen(session.sync_session, "after_commit", committed, once=True)
