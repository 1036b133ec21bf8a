"""`mercato serve ledger`: the ledger service alone, configured by environment variables."""

from __future__ import annotations

from mercato_kit.runtime import run_service_main
from mercato_ledger.bootstrap import MIGRATIONS, bootstrap
from mercato_ledger.settings import LedgerSettings


def main() -> None:
    run_service_main("ledger", LedgerSettings, wire=bootstrap, migrations=MIGRATIONS)


if __name__ == "__main__":
    main()
