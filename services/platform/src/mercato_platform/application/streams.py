"""Partner streams: every stream of the process shares one reading of the feed.

- `FeedTail`: the newest feed entries in memory, fed by one `FeedFollower` (woken by the feed
  consumer's commits, and every second for entries another instance appended). A stream that
  has caught up reads the tail; one that is behind reads the feed's table a page at a time.
- `OpenStreams`: the streams open per app, so a revocation, a secret rotation or a stop ends
  them at once (and one whose reader does not take its next message is cancelled).
- `PartnerStream`: one stream's items, transport-free (gRPC and Server-Sent Events both use it):
  the app's entitled entries of its types from a position, then live, with heartbeats.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime

from mercato_kit.errors import DomainError, FailedPrecondition, InvalidArgument
from mercato_platform.application.ports import PlatformWork
from mercato_platform.domain import (
    AppView,
    Basis,
    FeedEntry,
    StartStream,
    basis_for,
    require_partner_types,
)

UnitOfWork = Callable[..., AbstractAsyncContextManager[PlatformWork]]


class FeedTail:
    """The newest entries, in position order. Everything after `base` is here (up to `head`);
    a reader behind `base` reads the table instead."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.base = 0
        self.head = 0
        self._entries: deque[FeedEntry] = deque()
        self._positions: deque[int] = deque()
        self._changed = asyncio.Event()

    def reset(self, head: int) -> None:
        """Start from `head` (the feed's head when the process starts)."""
        self.base = self.head = head
        self._entries.clear()
        self._positions.clear()

    def changed(self) -> asyncio.Event:
        """Set when entries arrive after this call (take it before reading)."""
        return self._changed

    def extend(self, entries: Sequence[FeedEntry], through: int) -> None:
        """Entries after `head`, and the position they bring the tail to."""
        for entry in entries:
            if entry.position > self.head:
                self._entries.append(entry)
                self._positions.append(entry.position)
                self.head = entry.position
        self.head = max(self.head, through)
        while len(self._entries) > self.capacity:
            self._entries.popleft()
            self.base = self._positions.popleft()
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def after(self, position: int, limit: int) -> tuple[list[FeedEntry], int] | None:
        """Up to `limit` entries after `position` and the position read through; None when
        `position` is behind the tail."""
        if position < self.base:
            return None
        start = bisect.bisect_right(self._positions, position)
        entries = [self._entries[i] for i in range(start, min(start + limit, len(self._entries)))]
        through = entries[-1].position if len(entries) == limit else self.head
        return entries, max(through, position)


class FeedFollower:
    """Brings the tail up to the feed's head: one reading for every stream of the process."""

    def __init__(self, unit_of_work: UnitOfWork, tail: FeedTail, *, page: int = 1000) -> None:
        self._unit_of_work = unit_of_work
        self._tail = tail
        self._page = page
        self._wake = asyncio.Event()
        self.listeners: list[Callable[[], None]] = []

    def wake(self) -> None:
        """New entries were committed (the feed consumer's after-commit)."""
        self._wake.set()

    async def start(self) -> None:
        async with self._unit_of_work(read_only=True) as uow:
            self._tail.reset(await uow.feed.head())

    async def follow(self, wait: float = 1.0) -> bool:
        """Wait up to `wait` seconds for a wake-up, then catch up; True (run again at once)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), wait)
        self._wake.clear()
        while await self.catch_up():
            pass
        return True

    async def catch_up(self) -> bool:
        """Read what is new; True when there may be more."""
        async with self._unit_of_work(read_only=True) as uow:
            head = await uow.feed.head()
            if head <= self._tail.head:
                return False
            entries = await uow.feed.entries_after(self._tail.head, through=head, limit=self._page)
        through = entries[-1].position if len(entries) == self._page else head
        self._tail.extend(entries, through)
        for listener in self.listeners:
            listener()
        return through < head


# --- open streams ------------------------------------------------------------------------------


@dataclass(eq=False)
class StreamHandle:
    """One open stream: whose, with which token, and whether it must end (and why)."""

    app_id: str
    token_id: str
    session_id: str | None
    grant_id: str | None
    expires_at: datetime
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    grants_changed: asyncio.Event = field(default_factory=asyncio.Event)
    reason: DomainError | None = None
    task: asyncio.Task[object] | None = None
    ended_at: float | None = None

    def end(self, reason: DomainError, *, cancel_after: float) -> None:
        if self.ended.is_set():
            return
        self.reason, self.ended_at = reason, time.monotonic()
        self.ended.set()
        task = self.task
        if task is not None:
            # A reader that does not take its next message keeps the stream in a write: end
            # it anyway.
            asyncio.get_running_loop().call_later(
                cancel_after, lambda: None if task.done() else task.cancel()
            )

    def check(self) -> None:
        if self.reason is not None:
            raise self.reason


class OpenStreams:
    """The open streams of every app in this process."""

    def __init__(self, *, cancel_after: float = 1.0) -> None:
        self._by_app: dict[str, set[StreamHandle]] = {}
        self._cancel_after = cancel_after

    def open(self, handle: StreamHandle) -> StreamHandle:
        handle.task = asyncio.current_task()
        self._by_app.setdefault(handle.app_id, set()).add(handle)
        return handle

    def close(self, handle: StreamHandle) -> None:
        handles = self._by_app.get(handle.app_id)
        if handles is not None:
            handles.discard(handle)
            if not handles:
                del self._by_app[handle.app_id]

    def of_app(self, app_id: str) -> list[StreamHandle]:
        return list(self._by_app.get(app_id, ()))

    def all(self) -> list[StreamHandle]:
        return [handle for handles in self._by_app.values() for handle in handles]

    def end_app(self, app_id: str, reason: DomainError) -> int:
        """End every open stream of `app_id`; how many."""
        handles = self.of_app(app_id)
        for handle in handles:
            handle.end(reason, cancel_after=self._cancel_after)
        return len(handles)

    def end_all(self, reason: DomainError) -> None:
        for handle in self.all():
            handle.end(reason, cancel_after=self._cancel_after)

    def grants_changed(self, app_id: str) -> None:
        """The app's grants changed: its streams reload what it is entitled to."""
        for handle in self.of_app(app_id):
            handle.grants_changed.set()


# --- one stream --------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventItem:
    entry: FeedEntry
    basis: Basis


@dataclass(frozen=True)
class HeartbeatItem:
    position: int


StreamItem = EventItem | HeartbeatItem


def stream_types(requested: Sequence[str], subscribed: Sequence[str]) -> frozenset[str]:
    """The types a stream carries: those requested (each one subscribed), or every subscribed
    type when none is requested."""
    if requested:
        types = require_partner_types(list(requested))
        missing = [name for name in types if name not in subscribed]
        if missing:
            raise FailedPrecondition(
                f"the app is not subscribed to {missing[0]}: Subscribe to it first"
            )
        return frozenset(types)
    if not subscribed:
        raise FailedPrecondition("the app is subscribed to no event type: Subscribe first")
    return frozenset(subscribed)


async def start_position(start: StartStream, uow: PlatformWork) -> int:
    """The position a stream starts after."""
    head = await uow.feed.head()
    trimmed = await uow.feed.trimmed_through()
    if start.after_position is not None:
        if start.after_position > head:
            raise InvalidArgument("cursor", "is ahead of the feed: not a cursor of this platform")
        if start.after_position < trimmed:
            raise FailedPrecondition(
                "the cursor is older than the feed's retention: rewind to a time inside the "
                "retention (from_time) or start from the beginning"
            )
        return start.after_position
    if start.from_time is not None:
        first = await uow.feed.first_position_at(start.from_time)
        return head if first is None else max(first - 1, trimmed)
    if start.from_beginning:
        return trimmed
    return head


class PartnerStream:
    """One stream of an app: `open()` checks where it starts (raising for a bad start), then
    `items()` yields the app's entitled entries of the stream's types after the start, then
    live, with a heartbeat after `start.heartbeat_seconds` without an event. It ends (raising
    the reason) when its handle is ended."""

    def __init__(
        self,
        start: StartStream,
        handle: StreamHandle,
        *,
        app_scopes: frozenset[str],
        unit_of_work: UnitOfWork,
        tail: FeedTail,
        page: int = 200,
    ) -> None:
        self._start = start
        self._handle = handle
        self._app_scopes = app_scopes
        self._unit_of_work = unit_of_work
        self._tail = tail
        self._page = page
        self._types: frozenset[str] = frozenset()
        self._position = 0
        self._view = AppView(handle.app_id)

    async def open(self) -> None:
        app_id = self._handle.app_id
        async with self._unit_of_work(read_only=True) as uow:
            subscribed = (await uow.subscriptions.get(app_id)).types
            self._types = stream_types(self._start.types, subscribed)
            self._position = await start_position(self._start, uow)
            self._view = AppView(app_id, self._app_scopes, await uow.grants.seller_scopes(app_id))

    async def _reload_view(self) -> None:
        app_id = self._handle.app_id
        async with self._unit_of_work(read_only=True) as uow:
            self._view = AppView(app_id, self._app_scopes, await uow.grants.seller_scopes(app_id))

    async def _read(self) -> tuple[list[FeedEntry], int]:
        read = self._tail.after(self._position, self._page)
        if read is not None:
            return read
        async with self._unit_of_work(read_only=True) as uow:
            head = await uow.feed.head()
            entries = await uow.feed.entries_after(
                self._position,
                through=head,
                limit=self._page,
                types=self._types,
                sellers=self._view.sellers,
                app_id=self._handle.app_id,
            )
        return entries, entries[-1].position if len(entries) == self._page else head

    def _before_start(self, entry: FeedEntry) -> bool:
        """Rewound to a time: entries that occurred before it are left out (the feed is in the
        order the platform applied events, which is not exactly the order they occurred in)."""
        since = self._start.from_time
        return since is not None and entry.occurred_at < since

    async def items(self) -> AsyncIterator[StreamItem]:
        handle, heartbeat = self._handle, self._start.heartbeat_seconds
        quiet_since = time.monotonic()
        while True:
            handle.check()
            if handle.grants_changed.is_set():
                handle.grants_changed.clear()
                await self._reload_view()
            changed = self._tail.changed()
            entries, through = await self._read()
            for entry in entries:
                handle.check()
                if entry.event_type in self._types and not self._before_start(entry):
                    basis = basis_for(self._view, entry.event_type, entry.owners)
                    if basis is not None:
                        yield EventItem(entry, basis)
                        quiet_since = time.monotonic()
                self._position = entry.position
            self._position = max(self._position, through)
            if len(entries) == self._page:
                continue
            idle = time.monotonic() - quiet_since
            if idle >= heartbeat:
                yield HeartbeatItem(self._position)
                quiet_since = time.monotonic()
                continue
            await _first_of((changed, handle.ended, handle.grants_changed), heartbeat - idle)


async def _first_of(events: Sequence[asyncio.Event], seconds: float) -> None:
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
