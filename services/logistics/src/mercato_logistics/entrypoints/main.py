"""`mercato serve logistics`: the logistics service alone, configured by environment variables."""

from __future__ import annotations

from mercato_kit.runtime import run_service_main
from mercato_logistics.bootstrap import MIGRATIONS, bootstrap
from mercato_logistics.settings import LogisticsSettings


def main() -> None:
    run_service_main("logistics", LogisticsSettings, wire=bootstrap, migrations=MIGRATIONS)


if __name__ == "__main__":
    main()
