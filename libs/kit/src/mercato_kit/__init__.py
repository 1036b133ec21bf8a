"""Mercato's event-sourcing kit, inherited by every service.

Subpackages and modules (each with its own `__all__`):

- `mercato_kit.domain`, `mercato_kit.errors`, `mercato_kit.ids`: what domain code may import
  (standard library only): aggregates, domain events, the error tree.
- `mercato_kit.context`: correlation id, causation id and trace context of the current work.
- `mercato_kit.events`: the event envelope, its Kafka mapping, topic names.
- `mercato_kit.storage`: the database handle, the kit's tables and migrations, the outbox writer.
- `mercato_kit.store`: the event store port (in-memory, SQLite, PostgreSQL), the unit of work and
  the event-sourced repository.
- `mercato_kit.messaging`: topic provisioning, the idempotent producer, the publisher port and the
  transactional outbox relay (`python -m mercato_kit.messaging` runs it alone).
- `mercato_kit.consumer`: the idempotent consumer (aiokafka), consumer tracking, dead letters.
- `mercato_kit.idempotency`: idempotency keys for commands.
- `mercato_kit.grpc`: the gRPC edge: server with health and reflection, interceptors (correlation,
  access log, error mapping, validation from proto rules), graceful shutdown.
- `mercato_kit.runtime`: what every service process does around its own code (`run_service_main`).
- `mercato_kit.metrics`, `mercato_kit.tracing`: Prometheus metrics (`<SERVICE>_METRICS_ADDR`) and
  OpenTelemetry spans (`OTEL_EXPORTER_OTLP_ENDPOINT`), both off unless configured.
- `mercato_kit.settings`, `mercato_kit.logging`: typed settings from the environment, structlog.
"""

__all__: list[str] = []
