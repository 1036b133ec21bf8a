"""The operator's command line, on identity's database. Over gRPC only an operator registers an
operator, so the first one is made here:

    IDENTITY_OPERATOR_PASSWORD=... python -m mercato_identity.entrypoints.admin \\
        create-operator --email ops@mercato.example

The password comes from IDENTITY_OPERATOR_PASSWORD, or else from the first line of standard
input. The AccountRegistered event goes to the outbox; the running service's relay publishes
it. Prints the new account's id.

    IDENTITY_KEY_ENCRYPTION_KEY=new,old python -m mercato_identity.entrypoints.admin rekey

re-encrypts every stored signing key with the current (first) key-encryption key while the
service runs (a start does the same); prints how many keys it re-encrypted, and records the
action in the audit trail (OperatorActed, with no operator account: the command line). Once it
prints 0 with `new` alone configured, the old KEK can be destroyed (docs/operations.md).

Configuration is the service's own (IDENTITY_DATABASE_URL, DATABASE_URL,
IDENTITY_KEY_ENCRYPTION_KEY, ...). Exit status 1 (with the reason) when refused, 2 for bad
configuration.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from mercato.identity.v1 import accounts_pb2
from mercato_identity.adapters.unit_of_work import SqlIdentityUnitOfWork, hide_sql_parameters
from mercato_identity.application.accounts import hash_new_password, register_account
from mercato_identity.application.passwords import Passwords
from mercato_identity.application.security import record_operator_action
from mercato_identity.bootstrap import MIGRATIONS, reseal_keys
from mercato_identity.domain import OperatorAction, Role
from mercato_identity.domain.commands import RegisterAccount
from mercato_identity.settings import IdentitySettings
from mercato_kit.auth import InMemoryRevocations
from mercato_kit.errors import DomainError
from mercato_kit.grpc import validate
from mercato_kit.ids import new_id
from mercato_kit.runtime import database_url_for, ensure_database
from mercato_kit.settings import SettingsError, load_settings
from mercato_kit.storage import Database, migrate


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mercato_identity.entrypoints.admin")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-operator", help="register an operator account")
    create.add_argument("--email", required=True)
    commands.add_parser("rekey", help="re-encrypt the signing keys with the current KEK")
    arguments = parser.parse_args(argv)
    try:
        settings = load_settings(IdentitySettings)
        if arguments.command == "rekey":
            sys.stdout.write(f"{asyncio.run(rekey(settings))}\n")
            return 0
    except SettingsError as exc:
        sys.stderr.write(f"identity admin: {exc}\n")
        return 2
    password = os.environ.get("IDENTITY_OPERATOR_PASSWORD") or sys.stdin.readline().rstrip("\n")
    try:
        account_id = asyncio.run(create_operator(settings, arguments.email, password))
    except DomainError as exc:
        sys.stderr.write(f"identity admin: {exc.message}\n")
        return 1
    sys.stdout.write(f"{account_id}\n")
    return 0


async def create_operator(settings: IdentitySettings, email: str, password: str) -> str:
    validate(
        accounts_pb2.RegisterAccountRequest(
            idempotency_key=new_id(),
            email=email,
            password=password,
            role=accounts_pb2.ROLE_OPERATOR,
        )
    )
    command = RegisterAccount(email, password, Role.OPERATOR)
    password_hash = await hash_new_password(
        command, passwords=Passwords(settings.scrypt_parameters())
    )
    database = await _database(settings)
    try:
        # No tokens are revoked here: the set is this command's own, and is dropped.
        async with SqlIdentityUnitOfWork(
            database, revocations=InMemoryRevocations(), sealer=settings.key_sealer()
        ) as uow:
            account = await register_account(
                command,
                uow,
                password_hash=password_hash,
                registered_by_operator=True,
                operator_id="",
                now=datetime.now(UTC),
            )
            await uow.commit()
    finally:
        await database.dispose()
    return account.id


async def rekey(settings: IdentitySettings) -> int:
    """Reseal the keys, and record the operator's action in the audit trail."""
    database = await _database(settings)
    sealer = settings.key_sealer()
    try:
        resealed = await reseal_keys(database, sealer)
        async with SqlIdentityUnitOfWork(
            database, revocations=InMemoryRevocations(), sealer=sealer
        ) as uow:
            await record_operator_action(
                uow,
                operator_id="",
                action=OperatorAction.RESEALED_SIGNING_KEYS,
                target_type="signing_keys",
                target_id="",
            )
            await uow.commit()
        return resealed
    finally:
        await database.dispose()


async def _database(settings: IdentitySettings) -> Database:
    """identity's database, created and migrated if need be."""
    url = database_url_for("identity", settings)
    await asyncio.to_thread(ensure_database, url)
    await asyncio.to_thread(migrate, url)
    await asyncio.to_thread(
        migrate, url, versions=MIGRATIONS, version_table="identity_alembic_version"
    )
    database = Database(url)
    hide_sql_parameters(database)
    return database


if __name__ == "__main__":
    raise SystemExit(main())
