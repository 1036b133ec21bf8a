"""Identity's tables: accounts, sign-in attempts, sessions and refresh tokens, apps, grants,
authorization codes, signing keys.

Revision ID: identity_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "identity_0001"
down_revision = None
branch_labels = None
depends_on = None


def _time(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("account_id", sa.String(36), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        _time("registered_at"),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "sign_in_attempts",
        sa.Column("email_digest", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        _time("first_failure_at", nullable=True),
        _time("locked_until", nullable=True),
    )
    op.create_table(
        "sessions",
        sa.Column("session_id", sa.String(36), primary_key=True),
        sa.Column("account_id", sa.String(36), nullable=False),
        _time("started_at"),
        _time("expires_at"),
        sa.Column("generation", sa.Integer, nullable=False),
        _time("ended_at", nullable=True),
        sa.Column("end_reason", sa.String(32), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_sessions_account_id", "sessions", ["account_id"])
    op.create_table(
        "refresh_tokens",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("generation", sa.Integer, nullable=False),
        _time("issued_at"),
    )
    op.create_index("ix_refresh_tokens_session_id", "refresh_tokens", ["session_id"])
    op.create_table(
        "apps",
        sa.Column("app_id", sa.String(36), primary_key=True),
        sa.Column("owner_account_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("redirect_uris", sa.Text, nullable=False),
        sa.Column("scopes", sa.Text, nullable=False),
        sa.Column("secret_digest", sa.String(64), nullable=False),
        _time("registered_at"),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_apps_owner_account_id", "apps", ["owner_account_id"])
    op.create_table(
        "grants",
        sa.Column("grant_id", sa.String(36), primary_key=True),
        sa.Column("grantor_account_id", sa.String(36), nullable=False),
        sa.Column("grantor_role", sa.String(16), nullable=False),
        sa.Column("app_id", sa.String(36), nullable=False),
        sa.Column("scopes", sa.Text, nullable=False),
        _time("granted_at"),
        _time("revoked_at", nullable=True),
        sa.Column("revocation_reason", sa.String(32), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_grants_grantor_account_id", "grants", ["grantor_account_id"])
    op.create_index("ix_grants_app_id", "grants", ["app_id"])
    op.create_index(
        "uq_grants_active_grantor_app",
        "grants",
        ["grantor_account_id", "app_id"],
        unique=True,
        sqlite_where=sa.text("revoked_at IS NULL"),
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.create_table(
        "authorization_codes",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("app_id", sa.String(36), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("grant_id", sa.String(36), nullable=False),
        sa.Column("scopes", sa.Text, nullable=False),
        sa.Column("redirect_uri", sa.String(2000), nullable=False),
        sa.Column("code_challenge", sa.String(43), nullable=False),
        sa.Column("nonce", sa.String(128), nullable=True),
        _time("issued_at"),
        _time("expires_at"),
        _time("used_at", nullable=True),
    )
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(36), primary_key=True),
        sa.Column("private_key", sa.LargeBinary, nullable=False),
        sa.Column("public_key", sa.LargeBinary, nullable=False),
        _time("created_at"),
        _time("retired_at", nullable=True),
        sa.Column("is_current", sa.Boolean, nullable=True, unique=True),
        sa.Column("version", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "signing_keys",
        "authorization_codes",
        "grants",
        "apps",
        "refresh_tokens",
        "sessions",
        "sign_in_attempts",
        "accounts",
    ):
        op.drop_table(table)
