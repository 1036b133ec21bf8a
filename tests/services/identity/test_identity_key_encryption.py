"""identity's signing keys at rest: sealed with a key-encryption key (KEK) from the environment,
never in the database. A dump of the database alone signs nothing; rotating the KEK re-encrypts
every key (at start, or with the admin command while the service runs); a key stored in clear
by an older identity is sealed; identity does not start without a KEK or with one that opens
none of its keys."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import create_engine, insert, inspect, select, text, update

from mercato_identity.adapters.key_encryption import KeySealer, KeyUnsealable
from mercato_identity.adapters.keys import reseal_signing_keys
from mercato_identity.adapters.tables import security_events, signing_keys
from mercato_identity.adapters.unit_of_work import SqlIdentityUnitOfWork
from mercato_identity.application.keys import ensure_signing_key
from mercato_identity.bootstrap import MIGRATIONS, reseal_keys
from mercato_identity.settings import IdentitySettings
from mercato_kit.auth import InMemoryRevocations, SigningKey, public_key_bytes
from mercato_kit.settings import SettingsError, load_settings
from mercato_kit.storage import Database, migrate, sync_url
from mercato_kit.store import SqlUnitOfWork
from tests.support.identity_service import KEY_ENCRYPTION_KEY, IdentityProcess, identity_env

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
OLD, NEW = KeySealer.generate(), KeySealer.generate()

pytestmark = pytest.mark.infra


async def _migrated(url: str) -> AsyncIterator[Database]:
    await asyncio.to_thread(migrate, url)
    await asyncio.to_thread(
        migrate, url, versions=MIGRATIONS, version_table="identity_alembic_version"
    )
    database = Database(url)
    try:
        yield database
    finally:
        await database.dispose()


@pytest_asyncio.fixture(loop_scope="session")
async def database(fresh_database_url: str) -> AsyncIterator[Database]:
    async for database in _migrated(fresh_database_url):
        yield database


async def _first_key(database: Database, sealer: KeySealer) -> None:
    uow = SqlIdentityUnitOfWork(database, revocations=InMemoryRevocations(), sealer=sealer)
    async with uow:
        assert await ensure_signing_key(uow, now=NOW)
        await uow.commit()


async def _rows(database: Database) -> list[tuple[str, bytes, bytes]]:
    async with SqlUnitOfWork(database, read_only=True) as uow:
        rows = await uow.session.execute(
            select(signing_keys.c.kid, signing_keys.c.private_key, signing_keys.c.public_key)
        )
        return [(kid, bytes(private), bytes(public)) for kid, private, public in rows]


async def _reseal(database: Database, sealer: KeySealer) -> int:
    async with SqlUnitOfWork(database) as uow:
        count = await reseal_signing_keys(uow.session, sealer)
        await uow.commit()
    return count


def _dump(url: str) -> bytes:
    """Every value of every table, as a backup of the database would hold them."""
    engine = create_engine(sync_url(url))
    parts: list[bytes] = []
    try:
        with engine.connect() as connection:
            for table in inspect(connection).get_table_names():
                for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                    for value in row:
                        parts.append(value if isinstance(value, bytes) else str(value).encode())
    finally:
        engine.dispose()
    return b"\x00".join(parts)


async def test_a_dump_of_the_database_holds_no_key_that_signs(database: Database) -> None:
    sealer = KeySealer([OLD])
    await _first_key(database, sealer)
    [(kid, stored, public)] = await _rows(database)
    raw = sealer.open(kid, stored, public).private_bytes()

    assert raw not in stored
    with pytest.raises(ValueError, match="32 bytes"):
        SigningKey.from_private_bytes(kid, stored)  # the stored bytes are no Ed25519 key
    with pytest.raises(KeyUnsealable):
        KeySealer([NEW]).open(kid, stored, public)  # nor opened by any other KEK


async def test_rotating_the_key_encryption_key_reseals_every_key(database: Database) -> None:
    await _first_key(database, KeySealer([OLD]))
    [(kid, before, public)] = await _rows(database)

    assert await _reseal(database, KeySealer([NEW, OLD])) == 1
    [(_, after, _)] = await _rows(database)
    assert await _reseal(database, KeySealer([NEW])) == 0

    assert after != before
    opened = KeySealer([NEW]).open(kid, after, public)
    assert public_key_bytes(opened.public_key) == public
    with pytest.raises(KeyUnsealable):
        KeySealer([OLD]).open(kid, after, public)


async def test_a_key_stored_in_clear_is_sealed_and_a_retired_key_is_erased(
    database: Database,
) -> None:
    legacy = SigningKey.generate()
    async with SqlUnitOfWork(database) as uow:
        await uow.session.execute(
            insert(signing_keys).values(
                kid=legacy.kid,
                private_key=legacy.private_bytes(),
                public_key=public_key_bytes(legacy.public_key),
                created_at=NOW,
                is_current=True,
                version=1,
            )
        )
        await uow.commit()

    assert await _reseal(database, KeySealer([OLD])) == 1
    [(kid, sealed, public)] = await _rows(database)
    assert legacy.private_bytes() not in sealed
    assert KeySealer([OLD]).open(kid, sealed, public).private_bytes() == legacy.private_bytes()

    async with SqlUnitOfWork(database) as uow:  # a rotation retires it
        await uow.session.execute(
            update(signing_keys).values(is_current=None, retired_at=NOW, private_key=b"")
        )
        await uow.commit()
    await _first_key(database, KeySealer([OLD]))
    assert await _reseal(database, KeySealer([NEW, OLD])) == 1  # only the one that signs


async def test_a_sealed_key_moved_to_another_row_does_not_open(database: Database) -> None:
    sealer = KeySealer([OLD])
    other = SigningKey.generate()

    with pytest.raises(KeyUnsealable):
        sealer.open("kid-2", sealer.seal(other.private_bytes()), b"\x01" * 32)


def test_the_running_identitys_database_holds_its_key_only_sealed(
    identity: IdentityProcess,
) -> None:
    engine = create_engine(sync_url(identity.database_url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(signing_keys)).all()
    finally:
        engine.dispose()
    current = next(row for row in rows if row.is_current)
    raw = (
        KeySealer([KEY_ENCRYPTION_KEY])
        .open(current.kid, bytes(current.private_key), bytes(current.public_key))
        .private_bytes()
    )

    assert raw not in _dump(identity.database_url)


def _admin(
    database_url: str, workdir: Path, *arguments: str, **env: str
) -> subprocess.CompletedProcess[str]:
    variables = identity_env("", database_url, "127.0.0.1:1")
    if "IDENTITY_KEY_ENCRYPTION_KEY_FILE" in env:
        variables.pop("IDENTITY_KEY_ENCRYPTION_KEY")
    variables.update(env)
    return subprocess.run(
        [sys.executable, "-m", "mercato_cli", "identity", *arguments],  # `mercato identity`
        env=variables,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=workdir,
        check=False,
    )


async def test_the_admin_command_reseals_and_a_key_that_opens_nothing_is_refused(
    fresh_sqlite_url: str, tmp_path: Path
) -> None:
    async for database in _migrated(fresh_sqlite_url):
        await _first_key(database, KeySealer([OLD]))
    kek_file = tmp_path / "kek"
    kek_file.write_text(f"# the current one first\n{NEW}\n{OLD}\n")

    rotated = await asyncio.to_thread(
        _admin, fresh_sqlite_url, tmp_path, "rekey", IDENTITY_KEY_ENCRYPTION_KEY_FILE=str(kek_file)
    )
    async for database in _migrated(fresh_sqlite_url):
        with pytest.raises(SettingsError) as refused:
            await reseal_keys(database, KeySealer([OLD]))  # what a start or the command says

    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.strip().splitlines()[-1] == "1"
    async for database in _migrated(fresh_sqlite_url):
        async with SqlUnitOfWork(database, read_only=True) as uow:
            audited = (
                (
                    await uow.session.execute(
                        select(security_events.c.event_type).order_by(security_events.c.position)
                    )
                )
                .scalars()
                .all()
            )
    assert audited[-1] == "mercato.identity.v1.OperatorActed"
    assert "IDENTITY_KEY_ENCRYPTION_KEY does not open the stored signing keys" in str(refused.value)
    assert OLD not in str(refused.value)


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({}, "IDENTITY_KEY_ENCRYPTION_KEY is malformed: value error, neither it nor"),
        ({"IDENTITY_KEY_ENCRYPTION_KEY": "not-a-key"}, "not a list of fernet keys"),
        ({"IDENTITY_KEY_ENCRYPTION_KEY_FILE": "/nonexistent/kek"}, "cannot be read"),
    ],
)
def test_identity_does_not_start_without_a_usable_key_encryption_key(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], named: str
) -> None:
    for name in [name for name in os.environ if name.startswith("IDENTITY_")]:
        monkeypatch.delenv(name)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError, match=named):  # the runtime's exit 2, naming it
        load_settings(IdentitySettings)
