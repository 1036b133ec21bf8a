"""The traffic worker's settings, from the environment only (durations in seconds).

- `KAFKA_BOOTSTRAP_SERVERS` (required), `KAFKA_TOPIC_PARTITIONS` (3: the keyed topic's and the
  tables' partitions), `LOG_LEVEL` (INFO).
- `MARKETING_TRAFFIC_GRPC_ADDR` (127.0.0.1:50060): where its health check answers (gRPC
  health, SERVING once the tables are recovered and the agents run).
- `MARKETING_TRAFFIC_METRICS_ADDR` (unset: none): where the process serves its metrics
  (`mercato_kit.metrics`: CPU, memory, garbage collection) for Prometheus.
- `MARKETING_TRAFFIC_DATA_DIR` (.mercato/data/marketing-traffic): faust's local table store.
- `MARKETING_TRAFFIC_GROUP` (marketing-traffic): faust's application id, so its consumer group
  and the prefix of its own topics (`<group>-traffic-keyed`, `<group>-windows-changelog`). Every
  instance of one deployment shares it; another deployment on the same cluster (a test, the
  demo) needs its own.
- `MARKETING_FLOOD_WINDOW` (60), `MARKETING_FLOOD_FINGERPRINT_CLICKS` (20),
  `MARKETING_FLOOD_PUBLISHER_CLICKS` (1000): clicks allowed per visitor fingerprint and per
  publisher in one tumbling window.
- `MARKETING_PACING_WINDOW` (3600), `MARKETING_PACING_FACTOR` (3): a campaign may spend its
  daily cap's share of a pacing window times the factor.
- `MARKETING_TRAFFIC_LATENESS` (600): how late a click may reach the worker and still count in
  its window: a key keeps its windows that ended less than this before its newest one began.
- `MARKETING_TRAFFIC_COMMIT_INTERVAL` (2.8): how often faust commits its positions (and
  flushes the changelog).
- `MARKETING_TRAFFIC_SESSION_TIMEOUT` (30): how long the group waits for a worker that stopped
  answering (one killed without a goodbye) before handing its partitions to the others, or to
  itself restarted.
- `MARKETING_TRAFFIC_CLICK_TOPIC`, `MARKETING_TRAFFIC_CAMPAIGN_TOPIC`, `MARKETING_TRAFFIC_TOPIC`:
  the topics read and written (mercato.marketing.click, .campaign, .traffic).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mercato_kit.events import topic_for
from mercato_marketing.traffic.windows import Rules

_TOPIC_NAME = r"^[A-Za-z0-9._-]{1,200}$"


class TrafficSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MARKETING_")

    kafka_bootstrap_servers: str = Field(validation_alias="KAFKA_BOOTSTRAP_SERVERS")
    kafka_topic_partitions: int = Field(3, ge=1, le=1000, validation_alias="KAFKA_TOPIC_PARTITIONS")
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")

    traffic_grpc_addr: str = "127.0.0.1:50060"
    traffic_metrics_addr: str | None = Field(None, pattern=r"^[^\s:]*:[0-9]{1,5}$")
    traffic_data_dir: Path = Path(".mercato/data/marketing-traffic")
    traffic_group: str = Field("marketing-traffic", pattern=r"^[A-Za-z0-9._-]{1,100}$")
    traffic_commit_interval: float = Field(2.8, gt=0, le=600)
    traffic_session_timeout: float = Field(30.0, ge=6, le=300)
    traffic_click_topic: str = Field(topic_for("marketing.click"), pattern=_TOPIC_NAME)
    traffic_campaign_topic: str = Field(topic_for("marketing.campaign"), pattern=_TOPIC_NAME)
    traffic_topic: str = Field(topic_for("marketing.traffic"), pattern=_TOPIC_NAME)

    flood_window: int = Field(60, ge=1, le=86_400)
    flood_fingerprint_clicks: int = Field(20, ge=1)
    flood_publisher_clicks: int = Field(1000, ge=1)
    pacing_window: int = Field(3600, ge=1, le=86_400)
    pacing_factor: float = Field(3.0, gt=0, le=1000)
    traffic_lateness: int = Field(600, ge=0, le=86_400)

    @field_validator("traffic_grpc_addr")
    @classmethod
    def _is_host_port(cls, value: str) -> str:
        host, separator, port = value.rpartition(":")
        if not separator or not host or not port.isdigit() or not 0 <= int(port) < 65536:
            raise ValueError(f"expected host:port, got {value!r}")
        return value

    def rules(self) -> Rules:
        return Rules(
            flood_window=self.flood_window,
            fingerprint_clicks=self.flood_fingerprint_clicks,
            publisher_clicks=self.flood_publisher_clicks,
            pacing_window=self.pacing_window,
            pacing_factor=self.pacing_factor,
            lateness=self.traffic_lateness,
        )

    @property
    def changelog_topic(self) -> str:
        """The changelog of the worker's table `windows` (faust's name for it)."""
        return f"{self.traffic_group}-windows-changelog"

    @property
    def keyed_topic(self) -> str:
        """The worker's own topic: tallies keyed by what they count against."""
        return f"{self.traffic_group}-traffic-keyed"
