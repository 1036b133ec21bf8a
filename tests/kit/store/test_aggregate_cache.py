"""AggregateCache: a load reads only the events the cache has not seen, and a stale entry (a
rolled-back save, another process's append) costs a full replay, never a wrong state."""

from __future__ import annotations

import asyncio

import pytest

from mercato_kit.errors import ConcurrencyError
from mercato_kit.ids import new_id
from mercato_kit.storage import Database, migrate
from mercato_kit.store import (
    AggregateCache,
    EventSourcedRepository,
    EventStore,
    InMemoryEventStore,
    RecordedEvent,
    SqlUnitOfWork,
)
from tests.kit.store.test_event_sourced_repository import Basket, BasketTranslator

pytestmark = pytest.mark.asyncio(loop_scope="session")


class CountingStore(InMemoryEventStore):
    """Remembers how many events each load returned."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[int] = []

    async def load(
        self, aggregate_type: str, aggregate_id: str, after_version: int = 0
    ) -> list[RecordedEvent]:
        found = await super().load(aggregate_type, aggregate_id, after_version)
        self.loaded.append(len(found))
        return found


def baskets(events: EventStore, cache: AggregateCache) -> EventSourcedRepository[Basket]:
    return EventSourcedRepository(events, Basket, BasketTranslator(), producer="t", cache=cache)


async def test_a_cached_aggregate_loads_only_the_events_it_has_not_seen() -> None:
    store, cache, other_process = CountingStore(), AggregateCache(), AggregateCache()
    basket = Basket.open(basket_id := new_id(), owner="buyer-1")
    for sku in ("TEA", "RICE", "SALT"):
        basket.add(sku)
    await baskets(store, cache).save(basket)
    theirs = await baskets(store, other_process).get(basket_id)
    theirs.add("OIL")
    await baskets(store, other_process).save(theirs)
    store.loaded.clear()

    mine = await baskets(store, cache).get(basket_id)
    again = await baskets(store, cache).get(basket_id)

    assert (mine.skus, mine.version) == (["TEA", "RICE", "SALT", "OIL"], 5)
    assert (again.skus, again.version) == (["TEA", "RICE", "SALT", "OIL"], 5)
    assert store.loaded == [2, 1]  # the event it knew (checked) and the new one; then the check


async def test_each_load_is_a_fresh_aggregate_and_an_overtaken_copy_cannot_be_saved() -> None:
    store, cache = InMemoryEventStore(), AggregateCache()
    await baskets(store, cache).save(Basket.open(basket_id := new_id(), owner="buyer-1"))
    first, second = (
        await baskets(store, cache).get(basket_id),
        await baskets(store, cache).get(basket_id),
    )
    first.add("TEA")
    await baskets(store, cache).save(first)

    second.add("RICE")
    with pytest.raises(ConcurrencyError):
        await baskets(store, cache).save(second)
    assert (await baskets(store, cache).get(basket_id)).skus == ["TEA"]


async def test_a_save_that_rolled_back_leaves_no_trace_in_what_is_loaded(
    fresh_sqlite_url: str,
) -> None:
    await asyncio.to_thread(migrate, fresh_sqlite_url)
    database = Database(fresh_sqlite_url)
    cache = AggregateCache()
    basket_id = new_id()
    try:
        async with SqlUnitOfWork(database) as uow:
            await baskets(uow.events, cache).save(Basket.open(basket_id, owner="buyer-1"))
            await uow.commit()
        async with SqlUnitOfWork(database) as uow:
            basket = await baskets(uow.events, cache).get(basket_id)
            basket.add("TEA")
            await baskets(uow.events, cache).save(basket)
            await uow.rollback()

        async with SqlUnitOfWork(database) as uow:
            loaded = await baskets(uow.events, cache).get(basket_id)
            loaded.add("RICE")
            await baskets(uow.events, cache).save(loaded)
            await uow.commit()
        async with SqlUnitOfWork(database, read_only=True) as uow:
            reloaded = await baskets(uow.events, AggregateCache()).get(basket_id)
            cached = await baskets(uow.events, cache).get(basket_id)
        assert (reloaded.skus, reloaded.version) == (["RICE"], 2)
        assert (cached.skus, cached.version) == (["RICE"], 2)
    finally:
        await database.dispose()


async def test_the_least_recently_used_entries_go_beyond_the_capacity() -> None:
    store, cache = InMemoryEventStore(), AggregateCache(capacity=2)
    ids = [new_id() for _ in range(3)]
    for basket_id in ids:
        await baskets(store, cache).save(Basket.open(basket_id, owner="buyer-1"))

    assert len(cache) == 2
    assert cache.entry(Basket.aggregate_type, ids[0]) is None
    assert cache.entry(Basket.aggregate_type, ids[2]) is not None
