"""An in-process cache of aggregates' histories, checked against the store at every use."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from mercato_kit.domain import Aggregate, DomainEvent


@dataclass(frozen=True)
class CachedHistory:
    """One aggregate's domain events up to `version`, and the id of the stored event at
    `version` (what a load checks the entry against)."""

    events: tuple[DomainEvent, ...]
    head_event_id: str

    @property
    def version(self) -> int:
        return len(self.events)


class AggregateCache:
    """Histories of recently loaded or saved aggregates, so a load reads and decodes only the
    events it has not seen, instead of replaying the whole stream.

        cache = AggregateCache(capacity=10_000)       # one per process, shared by its units of work
        orders = EventSourcedRepository(uow.events, Order, translator, producer="orders",
                                        cache=cache)

    The store stays the only source of truth: a repository given an entry at version v loads
    the aggregate's events from version v on (one query) and uses the entry only if the stored
    event at v is the one the entry remembers. An entry left by a save whose transaction rolled
    back, or overtaken by another process or instance, fails that check and the aggregate is
    replayed in full, so a stale entry costs a replay, never a wrong state; and a save still
    appends at its expected version, so a decision taken on any copy that was overtaken is a
    `ConcurrencyError`, as without the cache. Aggregates are rebuilt from the cached (frozen)
    events for each load, so callers never share a mutable object. The least recently used
    entries go beyond `capacity`.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, not {capacity}")
        self._capacity = capacity
        self._entries: OrderedDict[tuple[str, str], CachedHistory] = OrderedDict()
        self._loaded: WeakKeyDictionary[Aggregate, CachedHistory] = WeakKeyDictionary()

    def __len__(self) -> int:
        return len(self._entries)

    def entry(self, aggregate_type: str, aggregate_id: str) -> CachedHistory | None:
        """The cached history of the aggregate, if any (to be checked against the store)."""
        key = (aggregate_type, aggregate_id)
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def keep(self, aggregate: Aggregate, history: CachedHistory) -> None:
        """Remember `history` as the aggregate's, and as what `aggregate` was built from."""
        key = (aggregate.aggregate_type, aggregate.id)
        self._entries[key] = history
        self._entries.move_to_end(key)
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)
        self._loaded[aggregate] = history

    def history_of(self, aggregate: Aggregate) -> CachedHistory | None:
        """The history `aggregate` (this very object) was loaded or last saved with."""
        return self._loaded.get(aggregate)

    def forget(self, aggregate_type: str, aggregate_id: str) -> None:
        self._entries.pop((aggregate_type, aggregate_id), None)
