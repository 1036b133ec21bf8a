"""A small world for the saga: fake catalog, payments and logistics, an order store, a clock.

`World.restart()` stands for a new process: only the orders' events and the other services'
state survive it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

from mercato_kit.money import Money
from mercato_kit.storage import Database
from mercato_orders.adapters.store import OrderKeeping
from mercato_orders.adapters.unit_of_work import SqlOrders, SqlOrdersUnitOfWork
from mercato_orders.application.saga import SagaRunner
from mercato_orders.domain import (
    CatalogItem,
    Order,
    OrderItem,
    OrderStatus,
    ShippingAddress,
    Timeouts,
)
from mercato_orders.domain.saga import OrderSaga, ShipmentDelivered, ShipmentDispatched
from tests.services.orders._fakes import (
    APPROVED,
    Clock,
    FakeCatalog,
    FakeInstruments,
    FakeLogistics,
    FakeOrders,
    FakePayments,
    FakeUnitOfWork,
    Faults,
)

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
TIMEOUTS = Timeouts()
HANGZHOU = ShippingAddress("CN-ZJ", "Hangzhou", "310000", "1 West Lake Road", "Li Lei")
TEA = CatalogItem(
    "sku-tea",
    "p-tea",
    "Longjing tea",
    "shop-1",
    "seller-1",
    "standard",
    Money(minor_units=12_50, currency="CNY"),
    250,
)
TOTAL = Money(minor_units=25_00, currency="CNY")


def place(order_id: str = "o-1", quantity: int = 2) -> Order:
    return Order.place(
        order_id,
        buyer_id="buyer-1",
        items=[OrderItem("sku-tea", quantity)],
        catalog={"sku-tea": TEA},
        shipping_address=HANGZHOU,
        attribution_token="",
        at=T0,
    )


def sql_units(database: Database, clock: Clock) -> partial[SqlOrdersUnitOfWork]:
    """Orders units of work on `database` for a new process: a cache of its own, the world's
    clock for the orders' schedules."""
    keeping = OrderKeeping(OrderSaga(TIMEOUTS), clock)
    return partial(SqlOrdersUnitOfWork, database, keeping=keeping)


@dataclass
class World:
    clock: Clock = field(default_factory=lambda: Clock(T0))
    faults: Faults = field(default_factory=Faults)
    orders: FakeOrders = field(default_factory=FakeOrders)
    stock: dict[str, int] = field(default_factory=lambda: {"sku-tea": 10})

    def __post_init__(self) -> None:
        self.catalog = FakeCatalog(self.clock, self.stock, self.faults)
        self.payments = FakePayments(self.clock, self.faults)
        self.logistics = FakeLogistics(self.clock, self.faults)
        self.runner = self.restart()

    def restart(self) -> SagaRunner:
        """A new process: nothing kept but the orders' events and the other services."""
        self.runner = SagaRunner(
            self.orders,
            self.catalog,
            self.payments,
            self.logistics,
            OrderSaga(TIMEOUTS),
            self.clock,
        )
        return self.runner

    def on(self, database: Database) -> partial[SqlOrdersUnitOfWork]:
        """Keep the orders in `database` (as a new process would open it); its units of work."""
        units = sql_units(database, self.clock)
        self.orders = SqlOrders(units)  # type: ignore[assignment]
        self.restart()
        return units

    def unit_of_work(self) -> FakeUnitOfWork:
        """What an RPC's handler runs in: the orders, and the instruments payments will read."""
        return FakeUnitOfWork(self.orders, FakeInstruments(self.payments))

    async def start(
        self, order_id: str = "o-1", instrument: str = APPROVED, quantity: int = 2
    ) -> None:
        """The buyer places an order: the instrument is kept apart, the saga starts."""
        self.payments.instruments[order_id] = instrument
        await self.runner.start(place(order_id, quantity))

    async def status(self, order_id: str = "o-1") -> OrderStatus:
        return (await self.orders.get(order_id)).status

    async def later(self, delta: timedelta) -> None:
        self.clock.now += delta


async def deliver(world: World, order_id: str = "o-1") -> None:
    await world.later(timedelta(hours=2))
    await world.runner.react(ShipmentDispatched(order_id, world.clock(), f"s-{order_id}"))
    await world.later(timedelta(days=1))
    await world.runner.react(ShipmentDelivered(order_id, world.clock(), told_at=world.clock()))
