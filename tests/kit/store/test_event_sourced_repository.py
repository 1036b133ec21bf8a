"""EventSourcedRepository: aggregates rebuilt from their events, saved at their expected version."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
from google.protobuf.message import Message
from google.protobuf.struct_pb2 import Struct
from google.protobuf.wrappers_pb2 import StringValue

from mercato_kit.context import MessageContext, bind_context
from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.errors import ConcurrencyError, FailedPrecondition, NotFound
from mercato_kit.events import EventEnvelope
from mercato_kit.ids import new_id
from mercato_kit.storage import Database, migrate
from mercato_kit.store import (
    EventSourcedRepository,
    EventStore,
    InMemoryEventStore,
    SqlUnitOfWork,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")


class Basket(Aggregate):
    aggregate_type = "kit.example"

    @dataclass(frozen=True)
    class Opened(DomainEvent):
        owner: str

    @dataclass(frozen=True)
    class ItemAdded(DomainEvent):
        sku: str

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.owner = ""
        self.skus: list[str] = []

    @classmethod
    def open(cls, basket_id: str, owner: str) -> Basket:
        basket = cls(basket_id)
        basket._trigger(Basket.Opened(owner))
        return basket

    def add(self, sku: str) -> None:
        if sku in self.skus:
            raise FailedPrecondition(f"{sku} is in the basket already")
        self._trigger(Basket.ItemAdded(sku))

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case Basket.Opened(owner=owner):
                self.owner = owner
            case Basket.ItemAdded(sku=sku):
                self.skus.append(sku)


class BasketTranslator:
    """Well-known protobuf types stand in for a service's published payloads."""

    def to_payload(self, event: DomainEvent) -> Message:
        match event:
            case Basket.Opened(owner=owner):
                return StringValue(value=owner)
            case Basket.ItemAdded(sku=sku):
                payload = Struct()
                payload.update({"sku": sku})
                return payload
        raise TypeError(f"no payload for {event!r}")

    def from_envelope(self, envelope: EventEnvelope) -> DomainEvent:
        if envelope.event_type == "google.protobuf.StringValue":
            return Basket.Opened(owner=envelope.unpack(StringValue).value)
        if envelope.event_type == "google.protobuf.Struct":
            return Basket.ItemAdded(sku=str(envelope.unpack(Struct)["sku"]))
        raise TypeError(f"no domain event for {envelope.event_type}")


def baskets(events: EventStore) -> EventSourcedRepository[Basket]:
    return EventSourcedRepository(events, Basket, BasketTranslator(), producer="kit-tests")


async def test_a_saved_aggregate_is_rebuilt_from_its_events() -> None:
    store = InMemoryEventStore()
    basket = Basket.open(new_id(), owner="buyer-1")
    basket.add("TEA-250G")
    await baskets(store).save(basket)

    loaded = await baskets(store).get(basket.id)

    assert (loaded.owner, loaded.skus, loaded.version) == ("buyer-1", ["TEA-250G"], 2)
    assert loaded.pending_events() == []


async def test_saving_appends_only_the_pending_events_at_the_next_versions() -> None:
    store = InMemoryEventStore()
    await baskets(store).save(Basket.open(basket_id := new_id(), owner="buyer-1"))
    basket = await baskets(store).get(basket_id)
    basket.add("RICE-5KG")
    basket.add("TEA-250G")

    with bind_context(MessageContext(correlation_id="request-7")):
        saved = await baskets(store).save(basket)

    assert [e.aggregate_version for e in saved] == [2, 3]
    assert {(e.event_type, e.producer, e.correlation_id) for e in saved} == {
        ("google.protobuf.Struct", "kit-tests", "request-7")
    }
    assert store.published[1:] == saved
    assert (basket.saved_version, basket.pending_events()) == (3, [])


async def test_saving_a_stale_copy_raises_a_concurrency_error_and_stores_nothing() -> None:
    store = InMemoryEventStore()
    await baskets(store).save(Basket.open(basket_id := new_id(), owner="buyer-1"))
    mine, theirs = await baskets(store).get(basket_id), await baskets(store).get(basket_id)
    theirs.add("TEA-250G")
    await baskets(store).save(theirs)

    mine.add("RICE-5KG")
    with pytest.raises(ConcurrencyError):
        await baskets(store).save(mine)

    assert (await baskets(store).get(basket_id)).skus == ["TEA-250G"]
    assert len(store.published) == 2


async def test_opening_an_aggregate_twice_raises_a_concurrency_error() -> None:
    store = InMemoryEventStore()
    basket_id = new_id()
    await baskets(store).save(Basket.open(basket_id, owner="buyer-1"))

    with pytest.raises(ConcurrencyError):
        await baskets(store).save(Basket.open(basket_id, owner="buyer-2"))


async def test_getting_an_aggregate_without_events_raises_not_found() -> None:
    with pytest.raises(NotFound, match="does not exist"):
        await baskets(InMemoryEventStore()).get(new_id())


async def test_saving_an_aggregate_without_pending_events_stores_nothing() -> None:
    store = InMemoryEventStore()
    await baskets(store).save(Basket.open(basket_id := new_id(), owner="buyer-1"))

    assert await baskets(store).save(await baskets(store).get(basket_id)) == []
    assert len(store.published) == 1


async def test_load_decide_save_runs_in_one_sql_unit_of_work(fresh_database_url: str) -> None:
    await asyncio.to_thread(migrate, fresh_database_url)
    database = Database(fresh_database_url)
    basket_id = new_id()
    try:
        async with SqlUnitOfWork(database) as uow:
            await baskets(uow.events).save(Basket.open(basket_id, owner="buyer-1"))
            await uow.commit()

        async with SqlUnitOfWork(database) as uow:
            basket = await baskets(uow.events).get(basket_id)
            basket.add("TEA-250G")
            await baskets(uow.events).save(basket)
            await uow.commit()

        async with SqlUnitOfWork(database) as uow:
            loaded = await baskets(uow.events).get(basket_id)
        assert (loaded.owner, loaded.skus, loaded.version) == ("buyer-1", ["TEA-250G"], 2)
    finally:
        await database.dispose()
