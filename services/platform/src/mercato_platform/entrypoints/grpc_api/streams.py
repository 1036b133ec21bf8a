"""PartnerStreamService: StreamEvents, the app's entitled events as CloudEvents, resumable."""

from __future__ import annotations

from typing import Any

from mercato.platform.v1 import platform_pb2 as pb
from mercato.platform.v1 import platform_pb2_grpc
from mercato_kit.auth import requires
from mercato_platform.adapters import translator as tr
from mercato_platform.application.streams import EventItem, PartnerStream, StreamHandle
from mercato_platform.entrypoints.grpc_api._edge import Edge


class PartnerStreamService(platform_pb2_grpc.PartnerStreamServiceServicer):
    def __init__(self, edge: Edge) -> None:
        self._edge = edge

    @requires("events:subscribe")
    async def StreamEvents(self, request: pb.StreamEventsRequest, context: Any) -> None:
        """Writes with `context.write` (a coroutine, not an async generator): a stream the
        partner cancels, or the platform ends, is then a plain cancellation of this call's task,
        its clean-up in its own context."""
        caller = self._edge.partner_app()
        start = tr.start_stream(request)
        edge = self._edge
        handle = edge.streams.open(
            StreamHandle(
                caller.subject,
                caller.token_id,
                caller.session_id,
                caller.grant_id,
                caller.expires_at,
            )
        )
        try:
            stream = PartnerStream(
                start,
                handle,
                app_scopes=caller.scopes,
                unit_of_work=edge.unit_of_work,
                tail=edge.tail,
                page=edge.stream_page,
            )
            await stream.open()
            async for item in stream.items():
                if isinstance(item, EventItem):
                    message = tr.event_response(item.entry, with_address=item.basis.shows_address)
                else:
                    message = tr.heartbeat_response(item.position)
                await context.write(message)
        finally:
            edge.streams.close(handle)
