"""PartnerStreamService: StreamEvents, the app's entitled events as CloudEvents, resumable."""

from __future__ import annotations

from typing import Any

from mercato.platform.v1 import platform_pb2 as pb
from mercato.platform.v1 import platform_pb2_grpc
from mercato_kit.auth import requires
from mercato_platform.adapters import translator as tr
from mercato_platform.application.streams import EventItem
from mercato_platform.entrypoints.grpc_api._edge import Edge


class PartnerStreamService(platform_pb2_grpc.PartnerStreamServiceServicer):
    def __init__(self, edge: Edge) -> None:
        self._edge = edge

    @requires("events:subscribe")
    async def StreamEvents(self, request: pb.StreamEventsRequest, context: Any) -> None:
        """Writes with `context.write` (a coroutine, not an async generator): a stream the
        partner cancels, or the platform ends, is then a plain cancellation of this call's task,
        its clean-up in its own context."""
        edge = self._edge
        handle, stream = await edge.open_stream(edge.partner_app(), tr.start_stream(request))
        try:
            async for item in stream.items():
                if isinstance(item, EventItem):
                    message = tr.event_response(item.entry, with_address=item.basis.shows_address)
                else:
                    message = tr.heartbeat_response(item.position)
                await context.write(message)
        finally:
            edge.streams.close(handle)
