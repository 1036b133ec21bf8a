"""`mercato serve example`: the example service alone, configured by environment variables."""

from __future__ import annotations

from mercato_example.bootstrap import MIGRATIONS, bootstrap
from mercato_example.settings import ExampleSettings
from mercato_kit.runtime import run_service_main


def main() -> None:
    run_service_main("example", ExampleSettings, wire=bootstrap, migrations=MIGRATIONS)


if __name__ == "__main__":
    main()
