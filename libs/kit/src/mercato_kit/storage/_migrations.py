"""Schema migrations with Alembic: the kit's chain, and the same runner for each service's chain."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from sqlalchemy import create_engine

from mercato_kit.storage._database import sync_url

KIT_VERSION_TABLE = "kit_alembic_version"


def migrate(
    url: str,
    *,
    versions: Path | None = None,
    version_table: str = KIT_VERSION_TABLE,
    revision: str = "head",
) -> None:
    """Upgrade a database to `revision` (default: the latest) with one migration chain.

    Without arguments it runs the kit's chain (events, outbox, leases, consumer tracking,
    idempotency keys). A service passes the folder of its own revision files as `versions`
    and its own `version_table`; the kit's Alembic environment runs every chain, so a service
    has revision files only.
    """
    # Imported here: alembic is needed to migrate, not to serve, and it slows every start-up.
    from alembic import command
    from alembic.config import Config

    location = Path(str(resources.files("mercato_kit.storage") / "migrations"))
    config = Config()
    config.set_main_option("script_location", str(location))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(versions or location / "versions"))
    config.attributes["version_table"] = version_table
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
