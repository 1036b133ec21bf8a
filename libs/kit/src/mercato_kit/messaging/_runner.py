"""The relay as a process of its own, configured from the environment."""

from __future__ import annotations

import asyncio
import signal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mercato_kit.logging import get_logger
from mercato_kit.messaging._publisher import KafkaPublisher
from mercato_kit.messaging._relay import OutboxRelay
from mercato_kit.storage import Database

__all__ = ["RelaySettings", "run_relay"]

log = get_logger(__name__)


class RelaySettings(BaseSettings):
    """What a stand-alone relay needs: DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS and RELAY_* tuning."""

    model_config = SettingsConfigDict(env_prefix="RELAY_")

    database_url: str = Field(validation_alias="DATABASE_URL")
    kafka_bootstrap_servers: str = Field(validation_alias="KAFKA_BOOTSTRAP_SERVERS")
    name: str = Field("outbox", min_length=1, max_length=64)
    owner: str | None = Field(None, min_length=1, max_length=64)
    batch_size: int = Field(100, ge=1, le=10_000)
    poll_interval: float = Field(0.5, gt=0)
    lease_ttl: float = Field(10.0, gt=0)
    log_level: str = "INFO"

    @field_validator("lease_ttl")
    @classmethod
    def _outlasts_two_polls(cls, lease_ttl: float, info: ValidationInfo) -> float:
        poll_interval = info.data.get("poll_interval")
        if poll_interval is not None and lease_ttl < 2 * poll_interval:
            raise ValueError("must be at least twice the poll interval")
        return lease_ttl


async def run_relay(settings: RelaySettings) -> None:
    """Relay the outbox of `settings.database_url` until SIGTERM or SIGINT, then stop cleanly.

    The database must be migrated already (the service's start-up does it).
    """
    database = Database(settings.database_url)
    try:
        publisher = KafkaPublisher.for_cluster(
            settings.kafka_bootstrap_servers, client_id=f"relay-{settings.name}"
        )
        relay = OutboxRelay(
            database,
            publisher,
            name=settings.name,
            owner=settings.owner,
            batch_size=settings.batch_size,
            poll_interval=settings.poll_interval,
            lease_ttl=settings.lease_ttl,
        )
        stop_requested = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop_requested.set)
        async with publisher, asyncio.TaskGroup() as tasks:
            tasks.create_task(relay.run_until_stopped())
            await stop_requested.wait()
            log.info("relay.stop_requested", relay=settings.name)
            await relay.stop()
    finally:
        await database.dispose()
