"""`mercato serve platform`: the open platform, configured by environment variables."""

from __future__ import annotations

from mercato_kit.runtime import run_service_main
from mercato_platform.bootstrap import MIGRATIONS, bootstrap
from mercato_platform.settings import PlatformSettings


def main() -> None:
    run_service_main("platform", PlatformSettings, wire=bootstrap, migrations=MIGRATIONS)


if __name__ == "__main__":
    main()
