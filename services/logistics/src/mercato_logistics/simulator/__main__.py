"""`python -m mercato_logistics.simulator`: one simulated carrier, configured by the environment."""

from __future__ import annotations

import asyncio
import signal
import sys

from mercato_kit.grpc import open_channel
from mercato_kit.logging import configure_logging, get_logger
from mercato_kit.settings import SettingsError, load_settings
from mercato_logistics.simulator.carrier import CarrierSimulator, FatalCarrierError
from mercato_logistics.simulator.settings import SimulatorSettings


async def simulate(settings: SimulatorSettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    # The kit's channel: round robin over logistics' instances when the address names several.
    async with open_channel(settings.logistics_grpc_addr) as channel:
        simulator = CarrierSimulator(channel, settings.token.get_secret_value(), settings.plan())
        await simulator.run(stop, settings.poll_interval)


def main() -> None:
    try:
        settings = load_settings(SimulatorSettings)
    except SettingsError as exc:
        sys.stderr.write(f"carrier simulator: {exc}\n")
        raise SystemExit(2) from None
    configure_logging("logistics-simulator", settings.log_level)
    try:
        asyncio.run(simulate(settings))
    except FatalCarrierError as exc:
        get_logger(__name__).error("the logistics service refused the carrier", reason=str(exc))
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
