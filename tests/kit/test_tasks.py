"""Periodic tasks (mercato_kit.tasks): run, rerun at once when more is waiting, survive the
database failing, stop between runs, never half-way through one."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.exc import OperationalError

from mercato_kit.tasks import PeriodicTask


async def test_the_job_runs_again_at_once_while_it_says_more_is_waiting() -> None:
    backlog = [True, True, True, False]
    runs: list[int] = []
    drained = asyncio.Event()

    async def job() -> bool:
        runs.append(len(runs))
        more = backlog.pop(0) if backlog else False
        if not backlog:
            drained.set()
        return more

    # An interval far longer than the test: only "more is waiting" can explain four runs.
    task = PeriodicTask("test.backlog", job, interval=60)
    running = asyncio.create_task(task.run())
    await asyncio.wait_for(drained.wait(), timeout=10)
    await task.stop()
    await asyncio.wait_for(running, timeout=10)

    assert len(runs) == 4


async def test_stopping_waits_for_the_run_in_progress() -> None:
    started, release = asyncio.Event(), asyncio.Event()
    finished: list[str] = []

    async def job() -> None:
        started.set()
        await release.wait()
        finished.append("run")

    task = PeriodicTask("test.slow", job, interval=0.01)
    running = asyncio.create_task(task.run())
    await asyncio.wait_for(started.wait(), timeout=10)
    await task.stop()
    release.set()
    await asyncio.wait_for(running, timeout=10)

    assert finished == ["run"]


async def test_a_database_failure_is_retried_and_a_bug_ends_the_task() -> None:
    calls: list[str] = []

    async def job() -> None:
        calls.append("call")
        if len(calls) == 1:
            raise OperationalError("SELECT 1", {}, ConnectionError("database restarting"))
        raise ZeroDivisionError("a bug")

    task = PeriodicTask("test.failing", job, interval=0.01, max_backoff=0.05)

    with pytest.raises(ZeroDivisionError):
        await asyncio.wait_for(task.run(), timeout=10)
    assert calls == ["call", "call"]


def test_an_interval_must_be_positive() -> None:
    async def job() -> None:
        return None

    with pytest.raises(ValueError, match="interval"):
        PeriodicTask("test.bad", job, interval=0)
