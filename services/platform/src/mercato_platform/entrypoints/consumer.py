"""Kafka in: what the platform's two consumers call for each event (once per event, in the
consumer's transaction).

- `feed` (one consumer group over every partner-visible topic): each event of a partner type
  is appended to the feed; after each commit the feed follower is woken, and with it every
  live stream and the webhook dispatcher.
- `grants` (identity's grant and app topics): the grants projection. After the commit that
  applied a revocation, the app's open streams end at once (its deliveries stop: the dispatcher
  re-checks entitlement before every attempt); a new grant makes its streams reload what the
  app is entitled to; a rotated app secret ends the app's streams.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.consumer import ConsumedRecord
from mercato_kit.errors import PermissionDenied, Unauthenticated
from mercato_kit.events import EventEnvelope, topic_for
from mercato_kit.logging import get_logger
from mercato_platform.adapters import translator as tr
from mercato_platform.adapters.cloud_events import render_cloud_event
from mercato_platform.adapters.unit_of_work import ConsumerWork
from mercato_platform.application.feed import append_to_feed, apply_grant
from mercato_platform.application.streams import OpenStreams
from mercato_platform.domain import GrantChange

FEED_TOPICS: tuple[str, ...] = tuple(
    topic_for(kind)
    for kind in (
        "orders.order",
        "payments.payment",
        "logistics.shipment",
        "marketing.click",
        "marketing.conversion",
    )
)
"""The partner-visible topics the feed follows."""

GRANT_TOPICS: tuple[str, ...] = (topic_for("identity.grant"), topic_for("identity.app"))

_log = get_logger(__name__)


async def append_event(
    session: AsyncSession, envelope: EventEnvelope, record: ConsumedRecord
) -> None:
    """Append one consumed event to the feed when partners may see it; others are skipped."""
    del record
    event = tr.incoming_event(envelope)
    if event is not None:
        await append_to_feed(event, ConsumerWork(session), render=render_cloud_event)


class GrantFollower:
    """The grants consumer's handler, and what follows its commits."""

    def __init__(self, streams: OpenStreams, *, after_commit: Callable[[], None]) -> None:
        self._streams = streams
        self._after_commit = after_commit
        self._changes: list[GrantChange] = []
        self._rotated: list[str] = []

    async def __call__(
        self, session: AsyncSession, envelope: EventEnvelope, record: ConsumedRecord
    ) -> None:
        del record
        change = tr.grant_change(envelope)
        if change is not None:
            await apply_grant(change, ConsumerWork(session))
            self._changes.append(change)
        rotated = tr.app_whose_secret_rotated(envelope)
        if rotated is not None:
            self._rotated.append(rotated)

    def committed(self) -> None:
        """After a commit: end or refresh the streams its changes concern. (A change whose
        transaction rolled back is applied again on the retry; ending a stream early is
        harmless: the partner resumes from its cursor.)"""
        changes, self._changes = self._changes, []
        rotated, self._rotated = self._rotated, []
        for change in changes:
            if change.active:
                self._streams.grants_changed(change.app_id)
                continue
            ended = self._streams.end_app(
                change.app_id,
                PermissionDenied(
                    f"grant {change.grant_id} was revoked: the app's streams end; reconnect "
                    "from your last cursor to go on with what the app is still entitled to"
                ),
            )
            if ended:
                _log.info(
                    "grant revoked: streams ended",
                    app_id=change.app_id,
                    grant_id=change.grant_id,
                    streams=ended,
                )
        for app_id in rotated:
            ended = self._streams.end_app(
                app_id,
                Unauthenticated("the app's secret was rotated: reconnect with a new token"),
            )
            if ended:
                _log.info("app secret rotated: streams ended", app_id=app_id, streams=ended)
        self._after_commit()
