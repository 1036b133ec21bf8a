"""The composition root: identity's adapters wired into the kit's runtime.

identity verifies tokens with its own key ring (passed to the runtime as its key provider),
re-encrypts its signing keys under the current key-encryption key (and seals any stored in
clear), makes its first signing key on its first start, and serves its gRPC services.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from mercato.identity.v1 import (
    accounts_pb2,
    accounts_pb2_grpc,
    apps_pb2,
    apps_pb2_grpc,
    grants_pb2,
    grants_pb2_grpc,
    keys_pb2,
    keys_pb2_grpc,
    partner_sign_in_pb2,
    partner_sign_in_pb2_grpc,
    security_pb2,
    security_pb2_grpc,
)
from mercato_identity.adapters.key_encryption import KeySealer, KeyUnsealable
from mercato_identity.adapters.keyring import SigningKeyRing
from mercato_identity.adapters.keys import reseal_signing_keys
from mercato_identity.adapters.unit_of_work import (
    SqlIdentityUnitOfWork,
    SqlUnitOfWorkFactory,
    hide_sql_parameters,
)
from mercato_identity.application.cleanup import forget_expired
from mercato_identity.application.keys import ensure_signing_key
from mercato_identity.application.passwords import Passwords
from mercato_identity.application.tokens import Tokens
from mercato_identity.entrypoints.grpc_api import (
    AccountService,
    AppService,
    Dependencies,
    GrantService,
    PartnerSignInService,
    SecurityEventService,
    SigningKeyService,
)
from mercato_identity.settings import IdentitySettings
from mercato_kit.errors import ConcurrencyError
from mercato_kit.logging import get_logger
from mercato_kit.runtime import ServiceContext
from mercato_kit.settings import SettingsError
from mercato_kit.storage import Database
from mercato_kit.store import SqlUnitOfWork

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations" / "versions"

log = get_logger(__name__)

_CLEANUP_BATCH = 1000
"""Rows of each kind one expiry transaction deletes at most."""


def unit_of_work_factory(
    context: ServiceContext[IdentitySettings], sealer: KeySealer
) -> SqlUnitOfWorkFactory:
    """Identity's units of work on the runtime's database, relay and revocation set."""
    return functools.partial(
        context.units_of_work(SqlIdentityUnitOfWork),
        revocations=context.revocations,
        sealer=sealer,
    )


async def reseal_keys(database: Database, sealer: KeySealer) -> int:
    """Re-encrypt the signing keys under the current KEK; SettingsError (exit 2, naming the
    variable) when a configured KEK opens none of them."""
    try:
        async with SqlUnitOfWork(database) as uow:
            resealed = await reseal_signing_keys(uow.session, sealer)
            await uow.commit()
    except KeyUnsealable as exc:
        raise SettingsError(
            f"bad configuration: IDENTITY_KEY_ENCRYPTION_KEY does not open the stored signing"
            f" keys ({exc}); configure the key they were sealed with too (`new,old` while"
            f" rotating)"
        ) from None
    if resealed:
        log.info("signing keys resealed with the current key-encryption key", count=resealed)
    return resealed


def bootstrap_with(
    ring: SigningKeyRing,
) -> Callable[[ServiceContext[IdentitySettings]], Awaitable[None]]:
    async def bootstrap(context: ServiceContext[IdentitySettings]) -> None:
        settings = context.settings
        policy = settings.token_policy()
        hide_sql_parameters(context.database)
        sealer = settings.key_sealer()
        await reseal_keys(context.database, sealer)
        unit_of_work = unit_of_work_factory(context, sealer)
        ring.attach(
            context.database,
            sealer,
            policy.key_retention,
            refresh_interval=settings.key_refresh_interval,
        )
        await _ensure_signing_key(unit_of_work)
        await ring.reload()
        passwords = Passwords(settings.scrypt_parameters())
        await passwords.prepare()
        deps = Dependencies(
            unit_of_work=unit_of_work,
            passwords=passwords,
            tokens=Tokens(ring, policy),
            throttle=settings.throttle_policy(),
            ring=ring,
            trusted_proxies=tuple(settings.trusted_proxies),
        )
        for add, servicer, descriptor in (
            (accounts_pb2_grpc.add_AccountServiceServicer_to_server, AccountService, accounts_pb2),
            (keys_pb2_grpc.add_SigningKeyServiceServicer_to_server, SigningKeyService, keys_pb2),
            (apps_pb2_grpc.add_AppServiceServicer_to_server, AppService, apps_pb2),
            (grants_pb2_grpc.add_GrantServiceServicer_to_server, GrantService, grants_pb2),
            (
                partner_sign_in_pb2_grpc.add_PartnerSignInServiceServicer_to_server,
                PartnerSignInService,
                partner_sign_in_pb2,
            ),
            (
                security_pb2_grpc.add_SecurityEventServiceServicer_to_server,
                SecurityEventService,
                security_pb2,
            ),
        ):
            service = descriptor.DESCRIPTOR.services_by_name[servicer.__name__]
            context.add_servicer(add, servicer(deps), service)
        retention = settings.retention()

        async def cleanup() -> bool:
            async with unit_of_work() as uow:
                forgotten = await forget_expired(
                    uow, now=datetime.now(UTC), retention=retention, batch=_CLEANUP_BATCH
                )
                await uow.commit()
            if any(forgotten.values()):
                log.info("expired rows deleted", **forgotten)
            return max(forgotten.values()) >= _CLEANUP_BATCH  # more waiting: again at once

        context.add_task("cleanup", cleanup, interval=settings.cleanup_interval)

    return bootstrap


async def _ensure_signing_key(unit_of_work: SqlUnitOfWorkFactory) -> None:
    try:
        async with unit_of_work() as uow:
            if await ensure_signing_key(uow, now=datetime.now(UTC)):
                await uow.commit()
    except ConcurrencyError:
        pass  # another instance starting at the same time made the first key
