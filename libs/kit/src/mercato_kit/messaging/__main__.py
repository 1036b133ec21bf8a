"""`python -m mercato_kit.messaging`: run the outbox relay alone (configuration: RelaySettings)."""

from __future__ import annotations

import asyncio

from mercato_kit.logging import configure_logging
from mercato_kit.messaging._runner import RelaySettings, run_relay
from mercato_kit.settings import SettingsError, load_settings

__all__: list[str] = []


def main() -> None:
    """Load the settings, configure logging, and relay until told to stop."""
    try:
        settings = load_settings(RelaySettings)
    except SettingsError as exc:
        raise SystemExit(f"relay: {exc}") from None
    configure_logging("relay", settings.log_level)
    asyncio.run(run_relay(settings))


if __name__ == "__main__":
    main()
