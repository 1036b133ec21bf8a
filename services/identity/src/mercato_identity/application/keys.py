"""Signing keys: the published set, and rotation without downtime."""

from __future__ import annotations

from datetime import datetime, timedelta

from mercato_identity.application.ports import IdentityUnitOfWork
from mercato_identity.application.security import record_operator_action
from mercato_identity.domain import OperatorAction, PublishedKey
from mercato_identity.domain.commands import RotateSigningKey
from mercato_kit.auth import SigningKey


async def rotate_signing_key(
    command: RotateSigningKey, uow: IdentityUnitOfWork, *, now: datetime
) -> tuple[PublishedKey, PublishedKey | None]:
    """A new current key; the previous one stays published for its tokens' lifetime.

    The caller reloads the key ring after the commit, so this instance signs with the new key
    at once (the others within their ring's refresh interval).
    """
    previous = await uow.keys.current()
    pair = SigningKey.generate()
    key = PublishedKey.rotate_in(pair.kid, previous, now)
    await uow.keys.rotate(previous, key, pair)
    return key, previous


async def rotate_signing_key_as_operator(
    command: RotateSigningKey, uow: IdentityUnitOfWork, *, operator_id: str, now: datetime
) -> tuple[PublishedKey, PublishedKey | None]:
    """An operator's rotation, recorded in the audit trail."""
    key, previous = await rotate_signing_key(command, uow, now=now)
    await record_operator_action(
        uow,
        operator_id=operator_id,
        action=OperatorAction.ROTATED_SIGNING_KEY,
        target_type="signing_key",
        target_id=key.id,
    )
    return key, previous


async def ensure_signing_key(uow: IdentityUnitOfWork, *, now: datetime) -> bool:
    """The first start of identity makes its first key; True when it did."""
    if await uow.keys.current() is not None:
        return False
    await rotate_signing_key(RotateSigningKey(), uow, now=now)
    return True


async def key_set(
    uow: IdentityUnitOfWork, *, now: datetime, retention: timedelta
) -> list[tuple[PublishedKey, bytes]]:
    """The published keys and their raw public keys, the current one first."""
    return await uow.keys.published(now, retention)
