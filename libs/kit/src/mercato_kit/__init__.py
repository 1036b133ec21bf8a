"""Mercato's event-sourcing kit, inherited by every service.

Subpackages and modules (each with its own `__all__`):

- `mercato_kit.domain`, `mercato_kit.errors`, `mercato_kit.ids`: what domain code may import
  (standard library only): aggregates, domain events, the error tree.
- `mercato_kit.context`: correlation id, causation id and trace context of the current work.
- `mercato_kit.events`: the event envelope, its Kafka mapping, topic names.
- `mercato_kit.storage`: the database handle, the kit's tables and migrations.
- `mercato_kit.settings`, `mercato_kit.logging`: typed settings from the environment, structlog.
"""

__all__: list[str] = []
