"""Idempotency keys by age: an index on `created_at`, so the retention task finds the oldest
keys without reading the whole table (every service keeps its keys for
`<SERVICE>_IDEMPOTENCY_KEY_RETENTION`, deleting the older ones in bounded batches).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")
