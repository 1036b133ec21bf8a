"""SecurityEventService: the audit trail, for operators."""

from __future__ import annotations

import grpc

from mercato.identity.v1 import security_pb2 as pb
from mercato.identity.v1 import security_pb2_grpc
from mercato_identity.adapters.translator import security_event_message
from mercato_identity.entrypoints.grpc_api._edge import Dependencies
from mercato_kit.auth import requires
from mercato_kit.pages import position_token, token_position

_PAGE = "before"
_DEFAULT_PAGE_SIZE = 50


class SecurityEventService(security_pb2_grpc.SecurityEventServiceServicer):
    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps

    @requires(roles=["operator"])
    async def ListSecurityEvents(
        self, request: pb.ListSecurityEventsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListSecurityEventsResponse:
        subject = request.WhichOneof("subject")
        size = request.page_size or _DEFAULT_PAGE_SIZE
        before = token_position(request.page_token, _PAGE, field="page_token")
        async with self._deps.unit_of_work(read_only=True) as uow:
            events = await uow.security.page(
                account_id=request.account_id if subject == "account_id" else None,
                app_id=request.app_id if subject == "app_id" else None,
                before=before,
                limit=size + 1,
            )
        more = len(events) > size
        events = events[:size]
        return pb.ListSecurityEventsResponse(
            events=[security_event_message(event) for event in events],
            next_page_token=position_token(_PAGE, events[-1].position) if more else "",
        )
