"""PlaceOrder's admission: past ORDERS_MAX_IN_FLIGHT orders in flight a new order is refused
(RESOURCE_EXHAUSTED, a retry hint, nothing written) until the saga has finished some.

The unit tests count with a fake; the last ones run the servicer on SQLite and PostgreSQL with
the other services faked, catalog down so that placed orders stay in flight. The admission's
clock is a test's own, so "the next count" is a step of the test, never a wait."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from mercato.orders.v1 import orders_pb2 as pb
from mercato_kit.auth import bind_caller
from mercato_kit.errors import ResourceExhausted
from mercato_kit.storage import Database, migrate
from mercato_orders.adapters.unit_of_work import SqlInstruments, SqlOrders
from mercato_orders.application.admission import REFRESH_S, RETRY_AFTER_S, Admission
from mercato_orders.application.handlers import order_id_for
from mercato_orders.bootstrap import MIGRATIONS
from mercato_orders.domain import OrderNotFound, OrderStatus, TooManyOrdersInFlight
from mercato_orders.entrypoints.grpc_api import OrderService
from tests.services.orders._fakes import FakePrices
from tests.services.orders._world import TEA, World
from tests.services.orders.test_orders_edge import BUYER, place_request


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Counted:
    """The database's count of orders in flight, and how often it was read."""

    def __init__(self, value: int = 0) -> None:
        self.value = value
        self.reads = 0

    async def __call__(self) -> int:
        self.reads += 1
        await asyncio.sleep(0)  # a real count is a round trip: callers meanwhile wait for it
        return self.value


async def placements(admission: Admission, count: int, release: asyncio.Event) -> list[bool]:
    """`count` placements at once, each held until `release`: which were admitted."""

    async def one() -> bool:
        try:
            async with admission.admit():
                await release.wait()
        except TooManyOrdersInFlight:
            return False
        return True

    tasks = [asyncio.create_task(one()) for _ in range(count)]
    await asyncio.sleep(0.01)  # every placement reaches the door (an ordering, not a timing)
    release.set()
    return await asyncio.gather(*tasks)


async def test_without_a_limit_every_order_is_admitted_and_nothing_is_counted() -> None:
    counted = Counted(10_000)
    admission = Admission(counted, 0)

    admitted = await placements(admission, 5, asyncio.Event())

    assert admitted == [True] * 5
    assert counted.reads == 0


async def test_concurrent_placements_in_one_process_stop_at_the_limit_on_one_count() -> None:
    counted = Counted(1)
    admission = Admission(counted, 4, clock=Ticks())

    admitted = await placements(admission, 5, asyncio.Event())

    assert admitted.count(True) == 3
    assert admission.refused == 2
    assert counted.reads == 1


async def test_a_refusal_names_the_limit_and_when_to_retry() -> None:
    admission = Admission(Counted(2), 2, clock=Ticks())

    with pytest.raises(ResourceExhausted) as refused:
        async with admission.admit():
            pass

    assert refused.value.retry_after == RETRY_AFTER_S
    assert "too many orders in flight (the limit is 2)" in refused.value.message
    assert "same idempotency key" in refused.value.message


async def test_the_figure_is_counted_again_only_after_the_refresh_interval() -> None:
    counted, ticks = Counted(0), Ticks()
    admission = Admission(counted, 3, clock=ticks)
    for _ in range(3):
        async with admission.admit():
            pass

    # The three placements count until a count can have seen them; the database's count
    # (still 0: say they failed) replaces them only once the interval has passed.
    assert admission.in_flight() == 3
    assert counted.reads == 1
    with pytest.raises(TooManyOrdersInFlight):
        async with admission.admit():
            pass

    ticks.now += REFRESH_S
    async with admission.admit():
        assert admission.in_flight() == 1
    assert counted.reads == 2


async def test_two_instances_see_each_others_orders_only_at_their_next_count() -> None:
    database, ticks = Counted(0), Ticks()
    first, second = Admission(database, 3, clock=ticks), Admission(database, 3, clock=ticks)
    async with second.admit():
        pass
    for _ in range(2):
        async with first.admit():
            pass
    database.value = 3  # all three committed: the shared database counts them

    # Until its next count, the second instance knows only its own: it overshoots by one.
    async with second.admit():
        pass
    database.value = 4
    ticks.now += REFRESH_S

    for instance in (first, second):
        with pytest.raises(TooManyOrdersInFlight):
            async with instance.admit():
                pass


async def test_a_count_that_fails_fails_the_call_and_the_next_call_counts_again() -> None:
    calls = 0

    async def count() -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("the database is restarting")
        return 0

    admission = Admission(count, 1, clock=Ticks())
    with pytest.raises(ConnectionError):
        async with admission.admit():
            pass
    async with admission.admit():
        pass
    assert calls == 2


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    fixture = "fresh_sqlite_url" if request.param == "sqlite" else "fresh_postgres_url"
    url = str(request.getfixturevalue(fixture))
    await asyncio.to_thread(migrate, url)
    await asyncio.to_thread(
        migrate, url, versions=MIGRATIONS, version_table="orders_alembic_version"
    )
    found = Database(url)
    try:
        yield found
    finally:
        await found.dispose()


async def place(service: OrderService, world: World, key: str) -> pb.PlaceOrderResponse:
    world.payments.instruments[order_id_for(BUYER.subject, key)] = place_request().instrument
    with bind_caller(BUYER):
        return await service.PlaceOrder(place_request(key), None)  # type: ignore[arg-type]


@pytest.mark.infra
async def test_past_the_limit_an_order_is_refused_unwritten_until_orders_in_flight_finish(
    database: Database,
) -> None:
    world = World()
    units = world.on(database)
    orders, ticks = SqlOrders(units), Ticks()
    service = OrderService(
        units,
        FakePrices([TEA]),
        world.runner,
        world.runner.saga,
        Admission(orders.in_flight, 2, clock=ticks),
        world.clock,
    )
    world.faults.down.add("reserve")  # catalog does not answer: placed orders stay in flight

    keys = ["key-1", "key-2", "key-3"]
    answers = await asyncio.gather(
        *(place(service, world, key) for key in keys), return_exceptions=True
    )

    outcomes = dict(zip(keys, answers, strict=True))
    refused = [key for key, answer in outcomes.items() if isinstance(answer, Exception)]
    assert len(refused) == 1
    assert isinstance(outcomes[refused[0]], TooManyOrdersInFlight)
    refused_id = order_id_for(BUYER.subject, refused[0])
    with pytest.raises(OrderNotFound):
        await orders.get(refused_id)
    with pytest.raises(OrderNotFound):
        await SqlInstruments(units).of(refused_id)
    assert await orders.in_flight() == 2
    assert not any(refused_id in call for call in world.catalog.calls)

    # Catalog answers again; the sweep resends the reservations and the saga runs to the
    # shipments: nothing is left in flight.
    world.faults.down.clear()
    await world.later(timedelta(seconds=16))
    await world.runner.sweep()
    assert await orders.in_flight() == 0
    with pytest.raises(TooManyOrdersInFlight):  # until the next count
        await place(service, world, refused[0])

    ticks.now += REFRESH_S
    placed = await place(service, world, refused[0])

    assert placed.order_id == refused_id
    assert (await orders.get(refused_id)).status is OrderStatus.PAID
