"""Webhook endpoints: register (the URL vetted against server-side request forgery), rotate the
secret, enable, delete, the delivery log, redelivery; operators' views."""

from __future__ import annotations

from datetime import datetime

from mercato_kit.errors import InvalidArgument, NotFound
from mercato_kit.ids import new_id
from mercato_platform.application.ports import PlatformWork, Resolve
from mercato_platform.domain import (
    AttemptRecord,
    DeleteEndpoint,
    EnableEndpoint,
    Endpoint,
    Redeliver,
    RegisterEndpoint,
    RotateEndpointSecret,
    address_is_public,
    check_endpoint_url,
    require_partner_types,
)

Counted = tuple[Endpoint, tuple[int, int]]
"""An endpoint with its (pending, failed) message counts."""


async def vet_endpoint_url(url: str, *, allow_private: bool, resolve: Resolve) -> None:
    """InvalidArgument naming `url` unless it is an https URL whose host resolves only to public
    addresses (any address, and plain http, when `allow_private`)."""
    host = check_endpoint_url(url, allow_private=allow_private)
    if allow_private:
        return
    addresses = await resolve(host)
    if not addresses:
        raise InvalidArgument("url", "its host does not resolve")
    refused = [address for address in addresses if not address_is_public(address)]
    if refused:
        raise InvalidArgument(
            "url",
            "resolves to a loopback, private or link-local address "
            f"({refused[0]}): endpoints must be on the public internet",
        )


async def register_endpoint(
    command: RegisterEndpoint,
    uow: PlatformWork,
    *,
    app_id: str,
    app_scopes: frozenset[str],
    secret: str,
    now: datetime,
) -> Endpoint:
    """A new endpoint; it receives the entries appended from now on."""
    types = require_partner_types(command.types)
    endpoint = Endpoint.register(
        new_id(),
        app_id=app_id,
        url=command.url,
        types=types,
        description=command.description,
        app_scopes=app_scopes,
        secret=secret,
        position=await uow.feed.head(),
        now=now,
    )
    await uow.endpoints.add(endpoint)
    return endpoint


async def _owned(endpoint_id: str, uow: PlatformWork, app_id: str | None) -> Endpoint:
    """The endpoint; NotFound when it does not exist or (app_id given) is another app's."""
    endpoint = await uow.endpoints.get(endpoint_id)
    if endpoint is None:
        raise NotFound(f"webhook endpoint {endpoint_id} does not exist")
    if app_id is not None:
        endpoint.require_owner(app_id)
    return endpoint


async def rotate_endpoint_secret(
    command: RotateEndpointSecret, uow: PlatformWork, *, app_id: str, secret: str, now: datetime
) -> Endpoint:
    endpoint = await _owned(command.endpoint_id, uow, app_id)
    endpoint.rotate_secret(secret, overlap=command.overlap, now=now)
    await uow.endpoints.save(endpoint)
    return endpoint


async def enable_endpoint(command: EnableEndpoint, uow: PlatformWork, *, app_id: str) -> Endpoint:
    endpoint = await _owned(command.endpoint_id, uow, app_id)
    endpoint.enable()
    await uow.endpoints.save(endpoint)
    return endpoint


async def delete_endpoint(command: DeleteEndpoint, uow: PlatformWork, *, app_id: str) -> None:
    endpoint = await _owned(command.endpoint_id, uow, app_id)
    endpoint.delete()
    await uow.endpoints.save(endpoint)


async def _counted(endpoints: list[Endpoint], uow: PlatformWork) -> list[Counted]:
    counts = await uow.deliveries.counts([e.id for e in endpoints])
    return [(e, counts.get(e.id, (0, 0))) for e in endpoints]


async def get_endpoint(endpoint_id: str, uow: PlatformWork, *, app_id: str) -> Counted:
    endpoint = await _owned(endpoint_id, uow, app_id)
    return (await _counted([endpoint], uow))[0]


async def endpoints_of(app_id: str, uow: PlatformWork) -> list[Counted]:
    return await _counted(await uow.endpoints.of_app(app_id), uow)


async def all_endpoints(uow: PlatformWork) -> list[Counted]:
    return await _counted(await uow.endpoints.all(), uow)


async def delivery_log(
    endpoint_id: str, uow: PlatformWork, *, app_id: str, message_id: str = "", limit: int = 100
) -> list[AttemptRecord]:
    await _owned(endpoint_id, uow, app_id)
    return await uow.deliveries.attempts(endpoint_id, message_id=message_id, limit=limit)


async def failing_deliveries(uow: PlatformWork, *, limit: int = 100) -> list[AttemptRecord]:
    return await uow.deliveries.failing(limit)


async def redeliver(
    command: Redeliver, uow: PlatformWork, *, app_id: str | None, now: datetime
) -> int:
    """Send one message, or every message of a time range, again (a new round of attempts);
    `app_id` None: an operator's redrive, for any endpoint."""
    endpoint = await _owned(command.endpoint_id, uow, app_id)
    count = await uow.deliveries.redeliver(
        endpoint.id,
        now,
        message_id=command.message_id,
        from_time=command.from_time,
        to_time=command.to_time,
    )
    if command.message_id and count == 0:
        raise NotFound(f"message {command.message_id} was never sent to this endpoint")
    return count
