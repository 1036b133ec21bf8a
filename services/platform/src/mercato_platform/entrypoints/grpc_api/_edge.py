"""What every servicer shares: the unit of work, the rate limits, the open streams."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from mercato_kit.auth import Caller, current_caller
from mercato_kit.errors import PermissionDenied, ResourceExhausted
from mercato_platform.adapters.unit_of_work import PlatformUnitOfWork
from mercato_platform.application.ports import Resolve
from mercato_platform.application.streams import (
    FeedTail,
    OpenStreams,
    PartnerStream,
    StreamHandle,
)
from mercato_platform.domain import TokenBuckets
from mercato_platform.domain.commands import StartStream


class RateLimits:
    """Each app's (or account's) token bucket, for every call on either face."""

    def __init__(self, rate: float, burst: float) -> None:
        self._buckets = TokenBuckets(rate, burst)

    def admit(self, key: str) -> None:
        """Spend a token of `key`'s bucket; ResourceExhausted with the delay when it is empty."""
        wait = self._buckets.take(key, time.monotonic())
        if wait > 0:
            raise ResourceExhausted(
                f"rate limit: at most {self._buckets.rate:g} calls a second "
                f"(bursts of {self._buckets.burst:g}); retry after {wait:.3f} s",
                retry_after=wait,
            )


@dataclass
class Edge:
    unit_of_work: Callable[..., PlatformUnitOfWork]
    limits: RateLimits
    streams: OpenStreams
    tail: FeedTail
    resolve: Resolve
    allow_private: bool
    stream_page: int
    on_redeliver: Callable[[], None]

    def admitted(self, anonymous_key: str = "anonymous") -> Caller | None:
        """The caller (None when anonymous), once its rate limit lets it through."""
        caller = current_caller()
        self.limits.admit(caller.subject if caller is not None else anonymous_key)
        return caller

    def partner_app(self) -> Caller:
        """The calling partner app (its own token), admitted by its rate limit."""
        caller = self.admitted()
        if caller is None or caller.kind != "app" or caller.on_behalf_of:
            raise PermissionDenied("this call is for a partner app with its own token")
        return caller

    async def open_stream(
        self, app: Caller, start: StartStream
    ) -> tuple[StreamHandle, PartnerStream]:
        """A partner stream opened for `app` from `start` and its handle, registered among the
        open streams (so a revocation ends it); the caller closes it with `streams.close`.
        Nothing stays registered when opening fails (a bad or expired cursor)."""
        handle = self.streams.open(
            StreamHandle(app.subject, app.token_id, app.session_id, app.grant_id, app.expires_at)
        )
        stream = PartnerStream(
            start,
            handle,
            app_scopes=app.scopes,
            unit_of_work=self.unit_of_work,
            tail=self.tail,
            page=self.stream_page,
        )
        try:
            await stream.open()
        except BaseException:
            self.streams.close(handle)
            raise
        return handle, stream


def now() -> datetime:
    return datetime.now(UTC)
