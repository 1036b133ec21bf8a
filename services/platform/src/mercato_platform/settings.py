"""The platform's settings: the kit's ServiceSettings under the PLATFORM_ prefix."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from mercato_kit.runtime import ServiceSettings

_DAY = 24 * 3600.0


class PlatformSettings(ServiceSettings):
    """Besides the kit's settings (all optional):

    - `PLATFORM_HTTP_ADDR` (127.0.0.1:50158): the HTTP face (Server-Sent Events, the JSON API,
      /openapi.json), served by the same process.
    - `PLATFORM_TLS_CERT`, `PLATFORM_TLS_KEY`: PEM files; when both are set, gRPC and HTTP
      serve TLS only.
    - `PLATFORM_FEED_RETENTION` (30 days, seconds): entries older than this are deleted;
      `PLATFORM_RETENTION_INTERVAL` (3600 s) between sweeps.
    - `PLATFORM_FEED_START` (`beginning`): where a new deployment's feed starts, at the
      beginning of what Kafka keeps of the partner topics or at their `end` (from now on).
    - `PLATFORM_FEED_TAIL` (10000): the newest entries kept in memory for live streams.
    - `PLATFORM_STREAM_PAGE` (200): entries read at a time by a stream that is behind.
    - `PLATFORM_WEBHOOK_TIMEOUT` (15 s): a 2xx within it is a delivery.
    - `PLATFORM_WEBHOOK_RETRY_SCHEDULE` (`5,300,1800,7200,18000,36000,36000`): seconds before
      each attempt after the first; `PLATFORM_WEBHOOK_RETRY_JITTER` (0.1: ±10 % of each).
    - `PLATFORM_WEBHOOK_DISABLE_AFTER` (5 days, seconds): an endpoint failing every attempt
      this long is disabled.
    - `PLATFORM_WEBHOOK_ALLOW_PRIVATE` (false): allow endpoints on loopback, private and
      link-local addresses, and plain http (development and tests only).
    - `PLATFORM_WEBHOOK_CONCURRENCY` (16): deliveries in flight at once.
    - `PLATFORM_RATE_PER_SECOND` (20), `PLATFORM_RATE_BURST` (40): each app's token bucket for
      every call (gRPC and HTTP).
    """

    model_config = SettingsConfigDict(env_prefix="PLATFORM_")

    grpc_addr: str = "127.0.0.1:50058"
    http_addr: str = Field("127.0.0.1:50158", pattern=r"^[^:]*:\d{1,5}$")
    feed_retention: float = Field(30 * _DAY, gt=0)
    retention_interval: float = Field(3600.0, gt=0)
    feed_start: Literal["beginning", "end"] = "beginning"
    feed_tail: int = Field(10_000, ge=100, le=1_000_000)
    stream_page: int = Field(200, ge=1, le=10_000)
    webhook_timeout: float = Field(15.0, gt=0, le=300)
    webhook_retry_schedule: str = "5,300,1800,7200,18000,36000,36000"
    webhook_retry_jitter: float = Field(0.1, ge=0, le=1)
    webhook_disable_after: float = Field(5 * _DAY, gt=0)
    webhook_allow_private: bool = False
    webhook_concurrency: int = Field(16, ge=1, le=1000)
    rate_per_second: float = Field(20.0, gt=0)
    rate_burst: float = Field(40.0, ge=1)

    @field_validator("webhook_retry_schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        try:
            delays = [float(part) for part in value.split(",") if part.strip()]
        except ValueError:
            raise ValueError("must be seconds separated by commas, e.g. 5,300,1800") from None
        if any(delay < 0 for delay in delays):
            raise ValueError("delays may not be negative")
        return value

    @property
    def retry_delays(self) -> tuple[float, ...]:
        return tuple(float(p) for p in self.webhook_retry_schedule.split(",") if p.strip())
