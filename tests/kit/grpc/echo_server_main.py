"""The EchoService as a service's main() runs it: `python -m tests.kit.grpc.echo_server_main`.

Logs JSON to stderr (the first line names the bound address); its shutdown hooks log
"shutdown hook ran" with their names, in order.
"""

from __future__ import annotations

import asyncio

from mercato.kittest.v1 import echo_pb2_grpc
from mercato_kit.grpc import create_server, serve
from mercato_kit.logging import configure_logging, get_logger
from tests.kit.grpc.echo_service import EchoServicer


async def stop_consumers() -> None:
    await asyncio.sleep(0.05)
    get_logger("tests.echo").info("shutdown hook ran", hook="stop_consumers")


async def flush_outbox_relay() -> None:
    get_logger("tests.echo").info("shutdown hook ran", hook="flush_outbox_relay")


async def main() -> None:
    configure_logging("kittest-echo", json=True)
    server = create_server("127.0.0.1:0", grace=30)
    echo_pb2_grpc.add_EchoServiceServicer_to_server(EchoServicer(), server)
    await serve(server, stop_consumers, flush_outbox_relay)


if __name__ == "__main__":
    asyncio.run(main())
