"""HTTP in, for web partners: Server-Sent Events and a small JSON API over the same handlers as
gRPC, with the same tokens (identity's, as `Authorization: Bearer`), scopes and rate limits.

    GET  /v1/events                              the stream (SSE; `Last-Event-ID` resumes)
    GET  /v1/event-types                         what may be subscribed to
    GET  /v1/subscriptions                       the app's subscription
    POST /v1/subscriptions                       subscribe {idempotency_key, types}
    POST /v1/subscriptions/unsubscribe           unsubscribe {idempotency_key, types}
    GET  /v1/webhooks/endpoints                  the app's endpoints
    POST /v1/webhooks/endpoints                  register {idempotency_key, url, types, ...}
    GET  /v1/webhooks/endpoints/{id}             one endpoint
    DELETE /v1/webhooks/endpoints/{id}           delete (?idempotency_key=)
    POST /v1/webhooks/endpoints/{id}/rotate-secret   {idempotency_key, overlap_seconds}
    POST /v1/webhooks/endpoints/{id}/enable      {idempotency_key}
    GET  /v1/webhooks/endpoints/{id}/deliveries  the delivery log (?message_id=&limit=)
    POST /v1/webhooks/endpoints/{id}/redeliver   {idempotency_key, message_id | range}
    GET  /openapi.json                           this API's OpenAPI 3.1 document

Request and response bodies are the gRPC messages in protobuf JSON (field names as in the
.proto files); errors are `{"error": {"code", "message", "field"?}}` with the HTTP status of
the gRPC code (429 with `Retry-After` for a rate limit).
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web
from google.protobuf.json_format import MessageToDict, ParseDict, ParseError
from google.protobuf.message import Message

from mercato.platform.v1 import platform_pb2 as pb
from mercato_kit.auth import Caller, TokenVerifier, bind_caller
from mercato_kit.errors import (
    AlreadyExists,
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
)
from mercato_kit.grpc import validate
from mercato_kit.logging import get_logger
from mercato_platform.adapters import translator as tr
from mercato_platform.application.streams import EventItem
from mercato_platform.domain import StartStream, decode_cursor, encode_cursor
from mercato_platform.entrypoints.grpc_api import Edge, SubscriptionService, WebhookService
from mercato_platform.entrypoints.openapi import openapi_document

_log = get_logger(__name__)

SCOPE = "events:subscribe"
_STATUS: tuple[tuple[type[DomainError], int, str], ...] = (
    (InvalidArgument, 400, "INVALID_ARGUMENT"),
    (Unauthenticated, 401, "UNAUTHENTICATED"),
    (PermissionDenied, 403, "PERMISSION_DENIED"),
    (NotFound, 404, "NOT_FOUND"),
    (AlreadyExists, 409, "ALREADY_EXISTS"),
    (ResourceExhausted, 429, "RESOURCE_EXHAUSTED"),
    (Unavailable, 503, "UNAVAILABLE"),
    (FailedPrecondition, 400, "FAILED_PRECONDITION"),
)
_MAX_BODY = 256 * 1024


def error_response(error: DomainError) -> web.Response:
    status, code = 400, "FAILED_PRECONDITION"
    for kind, kind_status, kind_code in _STATUS:
        if isinstance(error, kind):
            status, code = kind_status, kind_code
            break
    body: dict[str, Any] = {"code": code, "message": error.message}
    headers: dict[str, str] = {}
    if isinstance(error, InvalidArgument):
        body["field"] = error.field
    if isinstance(error, ResourceExhausted):
        headers["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
        body["retry_after"] = round(error.retry_after, 3)
    if isinstance(error, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="mercato"'
    return web.json_response({"error": body}, status=status, headers=headers)


Handler = Callable[[web.Request, Caller], Awaitable[web.StreamResponse]]


class HttpApi:
    """The aiohttp application of the platform's HTTP face."""

    def __init__(
        self,
        edge: Edge,
        verifier: TokenVerifier,
        subscriptions: SubscriptionService,
        webhooks: WebhookService,
    ) -> None:
        self._edge = edge
        self._verifier = verifier
        self._subscriptions = subscriptions
        self._webhooks = webhooks
        self.app = web.Application(client_max_size=_MAX_BODY)
        routes = [
            web.get("/v1/events", self._guarded(self._events)),
            web.get("/v1/event-types", self._event_types),
            web.get("/v1/subscriptions", self._guarded(self._list_subscriptions)),
            web.post("/v1/subscriptions", self._guarded(self._subscribe)),
            web.post("/v1/subscriptions/unsubscribe", self._guarded(self._unsubscribe)),
            web.get("/v1/webhooks/endpoints", self._guarded(self._list_endpoints)),
            web.post("/v1/webhooks/endpoints", self._guarded(self._register_endpoint)),
            web.get("/v1/webhooks/endpoints/{endpoint_id}", self._guarded(self._get_endpoint)),
            web.delete(
                "/v1/webhooks/endpoints/{endpoint_id}", self._guarded(self._delete_endpoint)
            ),
            web.post(
                "/v1/webhooks/endpoints/{endpoint_id}/rotate-secret",
                self._guarded(self._rotate_secret),
            ),
            web.post(
                "/v1/webhooks/endpoints/{endpoint_id}/enable", self._guarded(self._enable_endpoint)
            ),
            web.get(
                "/v1/webhooks/endpoints/{endpoint_id}/deliveries",
                self._guarded(self._deliveries),
            ),
            web.post(
                "/v1/webhooks/endpoints/{endpoint_id}/redeliver", self._guarded(self._redeliver)
            ),
            web.get("/openapi.json", self._openapi),
        ]
        self.app.add_routes(routes)

    # --- lifetime -------------------------------------------------------------------------------

    # --- authentication, rate limits, errors ----------------------------------------------------

    def _guarded(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def guarded(request: web.Request) -> web.StreamResponse:
            try:
                caller = await self._caller(request)
                if SCOPE not in caller.scopes:
                    raise PermissionDenied(f"the access token lacks scope {SCOPE}")
                with bind_caller(caller):
                    return await handler(request, caller)
            except DomainError as error:
                return error_response(error)

        return guarded

    async def _caller(self, request: web.Request) -> Caller:
        header = request.headers.get("Authorization")
        if header is None:
            raise Unauthenticated("this call needs an access token (Authorization: Bearer)")
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("authorization must be 'Bearer <access token>'")
        return await self._verifier.verify(token.strip())

    async def _body(self, request: web.Request, message: Message) -> Message:
        try:
            data = await request.json() if request.can_read_body else {}
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise InvalidArgument("body", "is not JSON") from None
        if not isinstance(data, dict):
            raise InvalidArgument("body", "must be a JSON object")
        return _parsed(data, message)

    # --- the stream -----------------------------------------------------------------------------

    async def _events(self, request: web.Request, caller: Caller) -> web.StreamResponse:
        edge = self._edge
        try:
            handle, stream = await edge.open_stream(edge.partner_app(), _start(request))
        except DomainError as error:
            return error_response(error)
        response = await self._open_sse(request)
        try:
            async for item in stream.items():
                if isinstance(item, EventItem):
                    entry = item.entry
                    data = entry.cloud_event(with_address=item.basis.shows_address)
                    frame = (
                        f"id: {encode_cursor(entry.position)}\nevent: {entry.event_type}\n"
                        f"data: {data}\n\n"
                    )
                else:
                    cursor = encode_cursor(item.position)
                    frame = f'id: {cursor}\nevent: heartbeat\ndata: {{"cursor": "{cursor}"}}\n\n'
                await response.write(frame.encode())
        except DomainError as error:
            payload = json.dumps({"code": type(error).__name__, "message": error.message})
            await response.write(f"event: error\ndata: {payload}\n\n".encode())
        except (ConnectionResetError, ConnectionError):
            pass
        finally:
            edge.streams.close(handle)
        await response.write_eof()
        return response

    async def _open_sse(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        await response.write(b": mercato partner stream\n\n")
        return response

    # --- the JSON API ---------------------------------------------------------------------------

    async def _event_types(self, request: web.Request) -> web.StreamResponse:
        try:
            with bind_caller(None):
                self._edge.admitted(anonymous_key=f"ip:{request.remote}")
                answer = await self._subscriptions.ListEventTypes(pb.ListEventTypesRequest(), None)
        except DomainError as error:
            return error_response(error)
        return _json(answer)

    async def _list_subscriptions(self, request: web.Request, caller: Caller) -> web.StreamResponse:
        return _json(
            await self._subscriptions.ListSubscriptions(pb.ListSubscriptionsRequest(), None)
        )

    async def _subscribe(self, request: web.Request, caller: Caller) -> web.StreamResponse:
        message = await self._body(request, pb.SubscribeRequest())
        return _json(await self._subscriptions.Subscribe(message, None))  # type: ignore[arg-type]

    async def _unsubscribe(self, request: web.Request, caller: Caller) -> web.StreamResponse:
        message = await self._body(request, pb.UnsubscribeRequest())
        return _json(await self._subscriptions.Unsubscribe(message, None))  # type: ignore[arg-type]

    async def _list_endpoints(self, request: web.Request, caller: Caller) -> web.StreamResponse:
        return _json(await self._webhooks.ListEndpoints(pb.ListEndpointsRequest(), None))

    async def _register_endpoint(self, request: web.Request, caller: Caller) -> web.StreamResponse:
        message = await self._body(request, pb.RegisterEndpointRequest())
        answer = await self._webhooks.RegisterEndpoint(message, None)  # type: ignore[arg-type]
        return _json(answer, status=201)

    async def _get_endpoint(self, request: web.Request, caller: Caller) -> web.StreamResponse:
        message = _parsed(
            {"endpoint_id": request.match_info["endpoint_id"]}, pb.GetEndpointRequest()
        )
        return _json(await self._webhooks.GetEndpoint(message, None))  # type: ignore[arg-type]

    async def _delete_endpoint(self, request: web.Request, caller: Caller) -> web.StreamResponse:
        message = _parsed(
            {
                "endpoint_id": request.match_info["endpoint_id"],
                "idempotency_key": request.query.get("idempotency_key", ""),
            },
            pb.DeleteEndpointRequest(),
        )
        await self._webhooks.DeleteEndpoint(message, None)  # type: ignore[arg-type]
        return web.Response(status=204)

    async def _with_endpoint(self, request: web.Request, message: Message) -> Message:
        data = await request.json() if request.can_read_body else {}
        if not isinstance(data, dict):
            raise InvalidArgument("body", "must be a JSON object")
        return _parsed({**data, "endpoint_id": request.match_info["endpoint_id"]}, message)

    async def _rotate_secret(self, request: web.Request, caller: Caller) -> web.StreamResponse:
        message = await self._with_endpoint(request, pb.RotateEndpointSecretRequest())
        return _json(await self._webhooks.RotateEndpointSecret(message, None))  # type: ignore[arg-type]

    async def _enable_endpoint(self, request: web.Request, caller: Caller) -> web.StreamResponse:
        message = await self._with_endpoint(request, pb.EnableEndpointRequest())
        return _json(await self._webhooks.EnableEndpoint(message, None))  # type: ignore[arg-type]

    async def _deliveries(self, request: web.Request, caller: Caller) -> web.StreamResponse:
        query: dict[str, Any] = {"endpoint_id": request.match_info["endpoint_id"]}
        if "message_id" in request.query:
            query["message_id"] = request.query["message_id"]
        if "limit" in request.query:
            try:
                query["limit"] = int(request.query["limit"])
            except ValueError:
                raise InvalidArgument("limit", "must be a whole number") from None
        message = _parsed(query, pb.ListDeliveriesRequest())
        return _json(await self._webhooks.ListDeliveries(message, None))  # type: ignore[arg-type]

    async def _redeliver(self, request: web.Request, caller: Caller) -> web.StreamResponse:
        message = await self._with_endpoint(request, pb.RedeliverRequest())
        return _json(await self._webhooks.Redeliver(message, None))  # type: ignore[arg-type]

    async def _openapi(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(openapi_document())


def _parsed(data: dict[str, Any], message: Message) -> Message:
    try:
        ParseDict(data, message)
    except ParseError as exc:
        field = str(exc).split('"')[1] if '"' in str(exc) else "body"
        raise InvalidArgument(field, "is not valid here") from None
    validate(message)
    return message


def _json(message: Message, status: int = 200) -> web.Response:
    body = MessageToDict(message, preserving_proto_field_name=True)
    return web.json_response(body, status=status)


def _start(request: web.Request) -> StartStream:
    """Where an SSE stream starts: `Last-Event-ID` (a reconnecting EventSource), else the
    `cursor`, `from_time` (RFC 3339) or `from_beginning=true` query parameter, else live."""
    query = request.query
    types = tuple(t for value in query.getall("types", []) for t in value.split(",") if t)
    heartbeat = _heartbeat(query.get("heartbeat_seconds"))
    last_event = request.headers.get("Last-Event-ID") or query.get("cursor")
    if last_event:
        field = "Last-Event-ID" if request.headers.get("Last-Event-ID") else "cursor"
        return StartStream(
            types, after_position=decode_cursor(last_event, field), heartbeat_seconds=heartbeat
        )
    if "from_time" in query:
        try:
            moment = datetime.fromisoformat(query["from_time"].replace("Z", "+00:00"))
        except ValueError:
            raise InvalidArgument("from_time", "must be an RFC 3339 time") from None
        if moment.tzinfo is None:
            raise InvalidArgument("from_time", "must carry a time zone offset")
        return StartStream(types, from_time=moment, heartbeat_seconds=heartbeat)
    beginning = query.get("from_beginning", "").lower() in ("1", "true", "yes")
    return StartStream(types, from_beginning=beginning, heartbeat_seconds=heartbeat)


def _heartbeat(value: str | None) -> float:
    if not value:
        return tr.DEFAULT_HEARTBEAT_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        raise InvalidArgument("heartbeat_seconds", "must be a number of seconds") from None
    if not 1 <= seconds <= 300:
        raise InvalidArgument("heartbeat_seconds", "must be from 1 to 300")
    return seconds
