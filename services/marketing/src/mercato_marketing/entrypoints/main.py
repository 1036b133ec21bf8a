"""`mercato serve marketing`: the marketing service, configured by environment variables."""

from __future__ import annotations

from mercato_kit.runtime import run_service_main
from mercato_marketing.bootstrap import MIGRATIONS, bootstrap
from mercato_marketing.settings import MarketingSettings


def main() -> None:
    run_service_main("marketing", MarketingSettings, wire=bootstrap, migrations=MIGRATIONS)


if __name__ == "__main__":
    main()
