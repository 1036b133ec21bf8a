"""Background work of the platform process (besides the consumers): retention, the stream
watch, and the HTTP face's lifetime as a task the runtime starts and stops."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from mercato_kit.auth import InMemoryRevocations
from mercato_kit.errors import Unauthenticated, Unavailable
from mercato_kit.grpc import GrpcServer
from mercato_kit.logging import get_logger
from mercato_platform.adapters.unit_of_work import PlatformUnitOfWork
from mercato_platform.application.feed import trim_feed
from mercato_platform.application.streams import OpenStreams

_log = get_logger(__name__)


class Retention:
    """Deletes feed entries older than the retention, a batch at a time."""

    def __init__(self, unit_of_work: Callable[..., PlatformUnitOfWork], retention: float) -> None:
        self._unit_of_work = unit_of_work
        self._retention = timedelta(seconds=retention)

    async def sweep(self) -> bool:
        async with self._unit_of_work() as uow:
            deleted = await trim_feed(uow, before=datetime.now(UTC) - self._retention)
            await uow.commit()
        if deleted:
            _log.info("feed retention", deleted=deleted)
        return deleted > 0


class StreamWatch:
    """Ends open streams whose token was revoked (the kit's revocation follower: a revoked
    token, grant or session) or has expired."""

    def __init__(self, streams: OpenStreams, revocations: InMemoryRevocations) -> None:
        self._streams = streams
        self._revocations = revocations

    async def check(self) -> bool:
        now = datetime.now(UTC)
        for handle in self._streams.all():
            if self._revocations.is_revoked(
                token_id=handle.token_id, session_id=handle.session_id, grant_id=handle.grant_id
            ):
                handle.end(Unauthenticated("access token has been revoked"), cancel_after=1.0)
            elif handle.expires_at <= now:
                handle.end(
                    Unauthenticated("access token expired: reconnect with a new one"),
                    cancel_after=1.0,
                )
        return False


async def end_streams_on_stop(server: GrpcServer, streams: OpenStreams) -> None:
    """When the service is asked to stop, end every open stream at once (partners resume from
    their cursors elsewhere or after the restart) rather than holding the stop for its grace."""
    with contextlib.suppress(asyncio.CancelledError):
        await server.wait_for_stop_request()
        streams.end_all(Unavailable("the platform is restarting: resume from your last cursor"))
