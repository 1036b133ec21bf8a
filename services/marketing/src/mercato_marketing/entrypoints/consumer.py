"""Kafka in: what marketing's idempotent consumers call for each event (once per event, in the
consumer's transaction, with its tracking record).

    money        mercato.payments.budget    BudgetDeposited -> credit_deposit
                 mercato.orders.order       OrderPlaced (with an attribution token) ->
                                            attribute_order; OrderCompleted -> complete_order;
                                            OrderCancelled -> cancel_order;
                                            OrderRefunded -> refund_order
                 mercato.marketing.traffic  TrafficFlagged -> flag_traffic
    projections  mercato.identity.app       AppRegistered (publisher_site) -> register_publisher
                 mercato.catalog.product    ProductListed, ProductUpdated, PriceChanged,
                                            ProductDelisted -> list_product

The translator decodes each envelope into a command (None for an event type marketing does not
follow: skipped); the handler works on the repositories hung off the consumer's session.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.consumer import ConsumedRecord
from mercato_kit.events import EventEnvelope, topic_for
from mercato_marketing.adapters import translator as tr
from mercato_marketing.adapters.unit_of_work import ConsumedUnitOfWork
from mercato_marketing.application import (
    Policy,
    attribute_order,
    cancel_order,
    complete_order,
    credit_deposit,
    flag_traffic,
    list_product,
    refund_order,
    register_publisher,
)
from mercato_marketing.domain import TokenSigner
from mercato_marketing.domain.commands import (
    AttributeOrder,
    CancelOrder,
    CompleteOrder,
    RefundOrder,
)

BUDGET_TOPIC = topic_for("payments.budget")
ORDER_TOPIC = topic_for("orders.order")
TRAFFIC_TOPIC = topic_for("marketing.traffic")
MONEY_TOPICS = (BUDGET_TOPIC, ORDER_TOPIC, TRAFFIC_TOPIC)

APP_TOPIC = topic_for("identity.app")
PRODUCT_TOPIC = topic_for("catalog.product")
PROJECTION_TOPICS = (APP_TOPIC, PRODUCT_TOPIC)


class MoneyReactions:
    """Budgets and conversions: the money path, on the kit's idempotent consumer."""

    def __init__(self, signer: TokenSigner, policy: Policy) -> None:
        self._signer = signer
        self._policy = policy

    async def __call__(
        self, session: AsyncSession, envelope: EventEnvelope, record: ConsumedRecord
    ) -> None:
        uow = ConsumedUnitOfWork(session)
        if record.topic == BUDGET_TOPIC:
            deposit = tr.deposit_command(envelope)
            if deposit is not None:
                await credit_deposit(deposit, uow)
        elif record.topic == ORDER_TOPIC:
            match tr.order_command(envelope):
                case AttributeOrder() as attribute:
                    await attribute_order(attribute, uow, signer=self._signer, policy=self._policy)
                case CompleteOrder() as complete:
                    await complete_order(complete, uow, policy=self._policy)
                case CancelOrder() as cancel:
                    await cancel_order(cancel, uow)
                case RefundOrder() as refund:
                    await refund_order(refund, uow)
        elif record.topic == TRAFFIC_TOPIC:
            flag = tr.traffic_command(envelope)
            if flag is not None:
                await flag_traffic(flag, uow)


async def project(session: AsyncSession, envelope: EventEnvelope, record: ConsumedRecord) -> None:
    """Publishers and products: what other services say, kept for serving and judging clicks."""
    uow = ConsumedUnitOfWork(session)
    if record.topic == APP_TOPIC:
        publisher = tr.publisher_command(envelope)
        if publisher is not None:
            await register_publisher(publisher, uow)
    elif record.topic == PRODUCT_TOPIC:
        fact = tr.product_fact(envelope)
        if fact is not None:
            listed = await uow.products.merge(fact)
            if listed is not None:
                await list_product(listed, uow)
