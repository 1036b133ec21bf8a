"""Run a real Apache Kafka broker and PostgreSQL server on this machine, without containers.

`LocalInfra` installs both where missing (Kafka from Maven Central with Maven, PostgreSQL from
Debian's packages, and Debian's Prometheus server for the services' metrics), starts them on
free loopback ports, reports their endpoints and stops them.
`mercato infra up|down|status` is the command-line face of this package.
"""

from mercato_localinfra._check import Health, check
from mercato_localinfra._chromium import chromium_binary, install_chromium
from mercato_localinfra._errors import InfraError
from mercato_localinfra._infra import Endpoints, LocalInfra, default_cache_dir, default_state_dir
from mercato_localinfra._kafka import (
    KAFKA_VERSION,
    KafkaProcess,
    LocalKafka,
    LocalKafkaCluster,
    fetch_metadata,
)
from mercato_localinfra._postgres import LocalPostgres, PostgresProcess
from mercato_localinfra._prometheus import install_prometheus, prometheus_binary

__all__ = [
    "KAFKA_VERSION",
    "Endpoints",
    "Health",
    "InfraError",
    "KafkaProcess",
    "LocalInfra",
    "LocalKafka",
    "LocalKafkaCluster",
    "LocalPostgres",
    "PostgresProcess",
    "check",
    "chromium_binary",
    "default_cache_dir",
    "default_state_dir",
    "fetch_metadata",
    "install_chromium",
    "install_prometheus",
    "prometheus_binary",
]
