"""The HTTP face's OpenAPI 3.1 document, written as data (served at /openapi.json)."""

from __future__ import annotations

from typing import Any

_ID = {
    "name": "endpoint_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "format": "uuid"},
}
_KEY = {
    "type": "string",
    "maxLength": 128,
    "description": "Idempotency key: the same key and request answer once.",
}
_TYPES = {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 100}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


_ERRORS = {
    "400": {"$ref": "#/components/responses/BadRequest"},
    "401": {"$ref": "#/components/responses/Unauthenticated"},
    "403": {"$ref": "#/components/responses/PermissionDenied"},
    "429": {"$ref": "#/components/responses/RateLimited"},
}


def _operation(
    summary: str, operation_id: str, responses: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return {
        "summary": summary,
        "operationId": operation_id,
        "security": [{"bearer": []}],
        "responses": {**responses, **_ERRORS},
        **extra,
    }


def openapi_document() -> dict[str, Any]:
    """The document; every route of the HTTP face is in `paths`."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Mercato open platform",
            "version": "1.0.0",
            "description": (
                "Partner apps receive the events they are entitled to as CloudEvents 1.0 "
                "(structured JSON): over Server-Sent Events here, a resumable gRPC stream "
                "(mercato.platform.v1.PartnerStreamService) or signed webhooks (Standard "
                "Webhooks 1.0). Tokens are identity's access tokens (an app's own, with "
                "events:subscribe). Bodies are the gRPC messages in protobuf JSON."
            ),
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                                "field": {"type": "string"},
                                "retry_after": {"type": "number"},
                            },
                        }
                    },
                },
                "EventType": {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string"},
                        "description": {"type": "string"},
                        "scope": {"type": "string"},
                    },
                },
                "Subscription": {
                    "type": "object",
                    "properties": {
                        "app_id": {"type": "string"},
                        "types": {"type": "array", "items": {"type": "string"}},
                        "updated_at": {"type": "string", "format": "date-time"},
                    },
                },
                "Endpoint": {
                    "type": "object",
                    "properties": {
                        "endpoint_id": {"type": "string", "format": "uuid"},
                        "app_id": {"type": "string"},
                        "url": {"type": "string", "format": "uri"},
                        "types": {"type": "array", "items": {"type": "string"}},
                        "description": {"type": "string"},
                        "status": {
                            "type": "string",
                            "enum": ["ENDPOINT_STATUS_ENABLED", "ENDPOINT_STATUS_DISABLED"],
                        },
                        "disabled_reason": {"type": "string"},
                        "created_at": {"type": "string", "format": "date-time"},
                        "pending": {"type": "string", "description": "uint64 as a string"},
                        "failed": {"type": "string", "description": "uint64 as a string"},
                    },
                },
                "DeliveryAttempt": {
                    "type": "object",
                    "properties": {
                        "endpoint_id": {"type": "string"},
                        "message_id": {"type": "string"},
                        "event_type": {"type": "string"},
                        "attempt": {"type": "integer"},
                        "at": {"type": "string", "format": "date-time"},
                        "status_code": {"type": "integer"},
                        "latency_ms": {"type": "integer"},
                        "excerpt": {"type": "string", "maxLength": 200},
                        "message_status": {
                            "type": "string",
                            "enum": [
                                "DELIVERY_STATUS_PENDING",
                                "DELIVERY_STATUS_DELIVERED",
                                "DELIVERY_STATUS_FAILED",
                            ],
                        },
                    },
                },
                "TimeRange": {
                    "type": "object",
                    "required": ["from_time", "to_time"],
                    "properties": {
                        "from_time": {"type": "string", "format": "date-time"},
                        "to_time": {"type": "string", "format": "date-time"},
                    },
                },
            },
            "responses": {
                "BadRequest": _json(
                    _ref("Error"),
                    "Bad input (INVALID_ARGUMENT names the field) or FAILED_PRECONDITION",
                ),
                "Unauthenticated": _json(
                    _ref("Error"), "Missing, forged, expired or revoked token"
                ),
                "PermissionDenied": _json(_ref("Error"), "The token lacks events:subscribe"),
                "NotFound": _json(_ref("Error"), "No such endpoint (or another app's)"),
                "RateLimited": {
                    "description": "The app's rate limit: retry after Retry-After seconds",
                    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                    "content": {"application/json": {"schema": _ref("Error")}},
                },
            },
        },
        "paths": {
            "/v1/events": {
                "get": _operation(
                    "The app's entitled events as Server-Sent Events",
                    "streamEvents",
                    {
                        "200": {
                            "description": (
                                "text/event-stream: each event's `id` is its cursor, `event` "
                                "its type and `data` its CloudEvent; `heartbeat` events carry "
                                "the cursor reached while idle; an `error` event ends the "
                                "stream (a revoked grant, a restart)."
                            ),
                            "content": {"text/event-stream": {"schema": {"type": "string"}}},
                        }
                    },
                    parameters=[
                        {
                            "name": "Last-Event-ID",
                            "in": "header",
                            "schema": {"type": "string"},
                            "description": "Resume after this cursor.",
                        },
                        {
                            "name": "cursor",
                            "in": "query",
                            "schema": {"type": "string"},
                            "description": "Resume after this cursor.",
                        },
                        {
                            "name": "from_time",
                            "in": "query",
                            "schema": {"type": "string", "format": "date-time"},
                            "description": (
                                "Rewind: from the first entry that occurred at or after this time."
                            ),
                        },
                        {"name": "from_beginning", "in": "query", "schema": {"type": "boolean"}},
                        {
                            "name": "types",
                            "in": "query",
                            "schema": {"type": "string"},
                            "description": (
                                "Comma-separated event types (default: every subscribed type)."
                            ),
                        },
                        {
                            "name": "heartbeat_seconds",
                            "in": "query",
                            "schema": {"type": "number", "minimum": 1, "maximum": 300},
                        },
                    ],
                )
            },
            "/v1/event-types": {
                "get": {
                    "summary": "The event types partners may subscribe to",
                    "operationId": "listEventTypes",
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "types": {"type": "array", "items": _ref("EventType")}
                                },
                            }
                        ),
                        "429": {"$ref": "#/components/responses/RateLimited"},
                    },
                }
            },
            "/v1/subscriptions": {
                "get": _operation(
                    "The app's subscription",
                    "listSubscriptions",
                    {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "subscriptions": {
                                        "type": "array",
                                        "items": _ref("Subscription"),
                                    }
                                },
                            }
                        )
                    },
                ),
                "post": _operation(
                    "Subscribe to event types (idempotent)",
                    "subscribe",
                    {
                        "200": _json(
                            {"type": "object", "properties": {"subscription": _ref("Subscription")}}
                        )
                    },
                    requestBody=_body(
                        {
                            "type": "object",
                            "required": ["idempotency_key", "types"],
                            "properties": {"idempotency_key": _KEY, "types": _TYPES},
                        }
                    ),
                ),
            },
            "/v1/subscriptions/unsubscribe": {
                "post": _operation(
                    "Unsubscribe from event types (idempotent)",
                    "unsubscribe",
                    {
                        "200": _json(
                            {"type": "object", "properties": {"subscription": _ref("Subscription")}}
                        )
                    },
                    requestBody=_body(
                        {
                            "type": "object",
                            "required": ["idempotency_key", "types"],
                            "properties": {"idempotency_key": _KEY, "types": _TYPES},
                        }
                    ),
                )
            },
            "/v1/webhooks/endpoints": {
                "get": _operation(
                    "The app's webhook endpoints",
                    "listEndpoints",
                    {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "endpoints": {"type": "array", "items": _ref("Endpoint")}
                                },
                            }
                        )
                    },
                ),
                "post": _operation(
                    "Register an endpoint; the answer carries its whsec_ secret, shown once",
                    "registerEndpoint",
                    {
                        "201": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "endpoint": _ref("Endpoint"),
                                    "secret": {"type": "string"},
                                },
                            },
                            "Registered",
                        )
                    },
                    requestBody=_body(
                        {
                            "type": "object",
                            "required": ["idempotency_key", "url", "types"],
                            "properties": {
                                "idempotency_key": _KEY,
                                "url": {"type": "string", "format": "uri", "maxLength": 2048},
                                "types": _TYPES,
                                "description": {"type": "string", "maxLength": 200},
                            },
                        }
                    ),
                ),
            },
            "/v1/webhooks/endpoints/{endpoint_id}": {
                "parameters": [_ID],
                "get": _operation(
                    "One endpoint",
                    "getEndpoint",
                    {
                        "200": _json(
                            {"type": "object", "properties": {"endpoint": _ref("Endpoint")}}
                        ),
                        "404": {"$ref": "#/components/responses/NotFound"},
                    },
                ),
                "delete": _operation(
                    "Delete an endpoint",
                    "deleteEndpoint",
                    {
                        "204": {"description": "Deleted"},
                        "404": {"$ref": "#/components/responses/NotFound"},
                    },
                    parameters=[
                        {"name": "idempotency_key", "in": "query", "required": True, "schema": _KEY}
                    ],
                ),
            },
            "/v1/webhooks/endpoints/{endpoint_id}/rotate-secret": {
                "parameters": [_ID],
                "post": _operation(
                    "A new secret; the old one signs beside it for overlap_seconds (default 24 h)",
                    "rotateEndpointSecret",
                    {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "endpoint": _ref("Endpoint"),
                                    "secret": {"type": "string"},
                                },
                            }
                        ),
                        "404": {"$ref": "#/components/responses/NotFound"},
                    },
                    requestBody=_body(
                        {
                            "type": "object",
                            "required": ["idempotency_key"],
                            "properties": {
                                "idempotency_key": _KEY,
                                "overlap_seconds": {"type": "integer", "maximum": 604800},
                            },
                        }
                    ),
                ),
            },
            "/v1/webhooks/endpoints/{endpoint_id}/enable": {
                "parameters": [_ID],
                "post": _operation(
                    "Re-enable a disabled endpoint",
                    "enableEndpoint",
                    {
                        "200": _json(
                            {"type": "object", "properties": {"endpoint": _ref("Endpoint")}}
                        ),
                        "404": {"$ref": "#/components/responses/NotFound"},
                    },
                    requestBody=_body(
                        {
                            "type": "object",
                            "required": ["idempotency_key"],
                            "properties": {"idempotency_key": _KEY},
                        }
                    ),
                ),
            },
            "/v1/webhooks/endpoints/{endpoint_id}/deliveries": {
                "parameters": [_ID],
                "get": _operation(
                    "The delivery log: every attempt, newest first",
                    "listDeliveries",
                    {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "attempts": {"type": "array", "items": _ref("DeliveryAttempt")}
                                },
                            }
                        ),
                        "404": {"$ref": "#/components/responses/NotFound"},
                    },
                    parameters=[
                        {"name": "message_id", "in": "query", "schema": {"type": "string"}},
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "maximum": 1000},
                        },
                    ],
                ),
            },
            "/v1/webhooks/endpoints/{endpoint_id}/redeliver": {
                "parameters": [_ID],
                "post": _operation(
                    "Send one message, or every message of a time range, again",
                    "redeliver",
                    {
                        "200": _json(
                            {"type": "object", "properties": {"messages": {"type": "string"}}}
                        ),
                        "404": {"$ref": "#/components/responses/NotFound"},
                    },
                    requestBody=_body(
                        {
                            "type": "object",
                            "required": ["idempotency_key"],
                            "properties": {
                                "idempotency_key": _KEY,
                                "message_id": {"type": "string"},
                                "range": _ref("TimeRange"),
                            },
                        }
                    ),
                ),
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "openapi",
                    "responses": {"200": _json({"type": "object"})},
                }
            },
        },
    }
