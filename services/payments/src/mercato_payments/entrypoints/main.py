"""`mercato serve payments`: the payments service alone, configured by environment variables."""

from __future__ import annotations

from mercato_kit.runtime import run_service_main
from mercato_payments.bootstrap import MIGRATIONS, bootstrap
from mercato_payments.settings import PaymentsSettings


def main() -> None:
    run_service_main("payments", PaymentsSettings, wire=bootstrap, migrations=MIGRATIONS)


if __name__ == "__main__":
    main()
