"""`mercato serve orders`: the orders service alone, configured by environment variables."""

from __future__ import annotations

from mercato_kit.runtime import run_service_main
from mercato_orders.bootstrap import MIGRATIONS, bootstrap
from mercato_orders.settings import OrdersSettings


def main() -> None:
    run_service_main("orders", OrdersSettings, wire=bootstrap, migrations=MIGRATIONS)


if __name__ == "__main__":
    main()
