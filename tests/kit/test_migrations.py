"""The kit's migration chain: idempotent, and it builds exactly the schema the code declares."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event, inspect

from mercato_kit.storage import metadata, migrate, sync_url

# The kit's chain records its revision here (mercato_kit.storage.migrate's default).
KIT_VERSION_TABLE = "kit_alembic_version"
WRITE = re.compile(r"^\s*(CREATE|ALTER|DROP|INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@contextmanager
def statements_executed() -> Iterator[list[str]]:
    """Every SQL statement any engine executes within the block."""
    executed: list[str] = []

    def record(*args: Any) -> None:
        executed.append(args[2])

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield executed
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def schema_of(url: str) -> dict[str, Any]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            return {
                table: (
                    [
                        (c["name"], str(c["type"]), c["nullable"])
                        for c in inspector.get_columns(table)
                    ],
                    inspector.get_pk_constraint(table),
                    inspector.get_unique_constraints(table),
                    inspector.get_indexes(table),
                )
                for table in sorted(inspector.get_table_names())
            }
    finally:
        engine.dispose()


def test_migrating_a_migrated_database_again_changes_nothing(fresh_database_url: str) -> None:
    migrate(fresh_database_url)
    schema = schema_of(fresh_database_url)

    with statements_executed() as executed:
        migrate(fresh_database_url)

    assert executed, "the second migration did not even look at the database"
    assert [statement for statement in executed if WRITE.match(statement)] == []
    assert schema_of(fresh_database_url) == schema


def test_the_migrated_schema_matches_the_kits_metadata(fresh_database_url: str) -> None:
    migrate(fresh_database_url)

    engine = create_engine(sync_url(fresh_database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"version_table": KIT_VERSION_TABLE, "compare_type": True}
            )
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()

    assert differences == []
    assert set(metadata.tables) <= set(schema_of(fresh_database_url))
