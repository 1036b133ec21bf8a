"""A release's migration Job: `MERCATO_MIGRATE_ONLY` migrates the database and exits, serving
nothing (deploy/k8s runs it before the new Deployments)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, inspect


def test_a_service_with_migrate_only_migrates_its_database_and_exits(tmp_path: Path) -> None:
    env = dict(
        os.environ,
        MERCATO_MIGRATE_ONLY="true",
        MERCATO_DATA_DIR=str(tmp_path),
        KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1",  # never dialled: it exits before Kafka
        AUTH_TRUSTED_KEYS="",
    )
    env.pop("DATABASE_URL", None)

    done = subprocess.run(
        [sys.executable, "-m", "mercato_cli", "serve", "example"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    engine = create_engine(f"sqlite:///{tmp_path / 'example.db'}")
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"kit_alembic_version", "example_alembic_version", "outbox"} <= tables
