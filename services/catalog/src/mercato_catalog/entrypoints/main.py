"""`mercato serve catalog`: the catalog service alone, configured by environment variables."""

from __future__ import annotations

from mercato_catalog.bootstrap import MIGRATIONS, bootstrap
from mercato_catalog.settings import CatalogSettings
from mercato_kit.runtime import run_service_main


def main() -> None:
    run_service_main("catalog", CatalogSettings, wire=bootstrap, migrations=MIGRATIONS)


if __name__ == "__main__":
    main()
