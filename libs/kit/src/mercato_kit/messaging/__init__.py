"""Getting events out: topic provisioning, the publisher port, and the transactional outbox relay.

- `ensure_topics(bootstrap_servers, specs)`: create missing topics with their partition counts
  and replicas (the cluster's size, at most 3, unless a spec names them).
- `create_producer(bootstrap_servers)`: an aiokafka producer, idempotent with `acks="all"`.
- `Publisher`: publish a batch of `KafkaRecord` and wait for every acknowledgement;
  `KafkaPublisher` is the real one, `InMemoryPublisher` the test double.
- `OutboxRelay`: publishes committed outbox rows, at least once and in order, one instance
  per database at a time (a lease in `relay_leases`).
- `RelaySettings`, `run_relay`: the relay as a process of its own
  (`python -m mercato_kit.messaging`).
"""

from mercato_kit.messaging._producer import create_producer
from mercato_kit.messaging._provisioning import TopicProvisioningError, ensure_topics
from mercato_kit.messaging._publisher import (
    InMemoryPublisher,
    KafkaPublisher,
    Publisher,
    PublishError,
)
from mercato_kit.messaging._relay import OutboxRelay
from mercato_kit.messaging._runner import RelaySettings, run_relay

__all__ = [
    "InMemoryPublisher",
    "KafkaPublisher",
    "OutboxRelay",
    "PublishError",
    "Publisher",
    "RelaySettings",
    "TopicProvisioningError",
    "create_producer",
    "ensure_topics",
    "run_relay",
]
