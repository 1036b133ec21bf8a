"""Sign-in throttles per source address and per (account, source) replace the per-e-mail
lockout; the security events an operator queries by account or app.

Revision ID: identity_0002
Revises: identity_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "identity_0002"
down_revision = "identity_0001"
branch_labels = None
depends_on = None

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
_Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _time(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.drop_table("sign_in_attempts")
    op.create_table(
        "sign_in_throttles",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        _time("last_failure_at", nullable=True),
        _time("blocked_until", nullable=True),
    )
    op.create_index(
        "ix_sign_in_throttles_last_failure_at", "sign_in_throttles", ["last_failure_at"]
    )
    op.create_table(
        "security_events",
        sa.Column("position", _Position, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        _time("occurred_at"),
        sa.Column("account_id", sa.String(36), nullable=True),
        sa.Column("app_id", sa.String(36), nullable=True),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_security_events_account", "security_events", ["account_id", "position"])
    op.create_index("ix_security_events_app", "security_events", ["app_id", "position"])
    op.create_index("ix_security_events_occurred_at", "security_events", ["occurred_at"])


def downgrade() -> None:
    op.drop_table("security_events")
    op.drop_table("sign_in_throttles")
    op.create_table(
        "sign_in_attempts",
        sa.Column("email_digest", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        _time("first_failure_at", nullable=True),
        _time("locked_until", nullable=True),
    )
