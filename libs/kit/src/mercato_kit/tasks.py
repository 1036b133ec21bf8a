"""Periodic background work of a service process: sweepers, expiries, schedulers.

    async def expire_due() -> bool:          # True when more work is waiting right now
        ...
    context.add_task("reservation-expiry", expire_due, interval=1.0)   # in a service's wire()

A `PeriodicTask` runs its job, then sleeps `interval` seconds (at once again when the job says
more is waiting), until it is stopped. A job that fails with what infrastructure fails with
(the database, the network) is logged and retried with back-off; anything else is a bug and
ends the task, which stops the service (exit 1) so an orchestrator restarts it. Stopping waits
for the job in progress: a job is never cancelled half-way through its transaction.

Several instances of a service run the same task; the job makes that safe (e.g. `SELECT ...
FOR UPDATE SKIP LOCKED`), the task does not elect a leader.

The runtime (`ServiceContext.add_task`) starts the task with the consumers, watches it like
them (a failure stops the service), and stops it with them, before the outbox relay's final
flush (so the events of its last run are published).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import SQLAlchemyError

from mercato_kit.logging import get_logger

__all__ = ["Job", "PeriodicTask"]

Job = Callable[[], Awaitable[bool | None]]
"""One run of the work; returns True when more is waiting (run again without sleeping)."""

_EXPECTED_FAILURES = (SQLAlchemyError, OSError, TimeoutError)

log = get_logger(__name__)


class PeriodicTask:
    """Runs `job` every `interval` seconds until stopped (see the module docstring)."""

    def __init__(self, name: str, job: Job, *, interval: float, max_backoff: float = 30.0) -> None:
        if interval <= 0:
            raise ValueError(f"interval must be positive, not {interval}")
        self.name = name
        self._job = job
        self._interval = interval
        self._max_backoff = max(max_backoff, interval)
        self._stopping = asyncio.Event()
        self._running = False

    async def run(self) -> None:
        """Run the job until `stop()`; returns then, or raises what a bug in the job raised."""
        if self._running:
            raise RuntimeError(f"task {self.name} is running already")
        self._running = True
        failures = 0
        log.info("task.started", task=self.name, interval_seconds=self._interval)
        try:
            while not self._stopping.is_set():
                try:
                    more = await self._job()
                except _EXPECTED_FAILURES as exc:
                    failures += 1
                    delay = min(self._max_backoff, self._interval * 2 ** min(failures, 16))
                    log.warning(
                        "task.failed", task=self.name, error=repr(exc), retry_in_seconds=delay
                    )
                    await self._sleep(delay)
                    continue
                failures = 0
                if not more:
                    await self._sleep(self._interval)
        finally:
            self._running = False
            log.info("task.stopped", task=self.name)

    async def stop(self) -> None:
        """Ask the task to end after the job in progress (returns at once)."""
        self._stopping.set()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
