"""Identity's tables. Identity keeps state, not an event log: its facts are credentials
(password hashes, secret digests, signing keys) that must never enter the log, and its look-ups
(by e-mail, by token digest, one active grant per account and app) need unique indexes anyway.
Every change that is a published fact writes its event to the kit's outbox in the same
transaction. Created by migrations/versions/identity_0001 and 0002."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData()


def _time(name: str, *, nullable: bool = False) -> Column[object]:
    return Column(name, DateTime(timezone=True), nullable=nullable)


accounts = Table(
    "accounts",
    metadata,
    Column("account_id", String(36), primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(200), nullable=False),
    _time("registered_at"),
    Column("version", Integer, nullable=False),
)

sign_in_throttles = Table(
    "sign_in_throttles",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    _time("last_failure_at", nullable=True),
    _time("blocked_until", nullable=True),
)

sessions = Table(
    "sessions",
    metadata,
    Column("session_id", String(36), primary_key=True),
    Column("account_id", String(36), nullable=False, index=True),
    _time("started_at"),
    _time("expires_at"),
    Column("generation", Integer, nullable=False),
    _time("ended_at", nullable=True),
    Column("end_reason", String(32), nullable=True),
    Column("version", Integer, nullable=False),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("session_id", String(36), nullable=False, index=True),
    Column("generation", Integer, nullable=False),
    _time("issued_at"),
)

apps = Table(
    "apps",
    metadata,
    Column("app_id", String(36), primary_key=True),
    Column("owner_account_id", String(36), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("name", String(80), nullable=False),
    Column("redirect_uris", Text, nullable=False),
    Column("scopes", Text, nullable=False),
    Column("secret_digest", String(64), nullable=False),
    _time("registered_at"),
    Column("version", Integer, nullable=False),
)

grants = Table(
    "grants",
    metadata,
    Column("grant_id", String(36), primary_key=True),
    Column("grantor_account_id", String(36), nullable=False, index=True),
    Column("grantor_role", String(16), nullable=False),
    Column("app_id", String(36), nullable=False, index=True),
    Column("scopes", Text, nullable=False),
    _time("granted_at"),
    _time("revoked_at", nullable=True),
    Column("revocation_reason", String(32), nullable=True),
    Column("version", Integer, nullable=False),
    Index(
        "uq_grants_active_grantor_app",
        "grantor_account_id",
        "app_id",
        unique=True,
        sqlite_where=text("revoked_at IS NULL"),
        postgresql_where=text("revoked_at IS NULL"),
    ),
)

authorization_codes = Table(
    "authorization_codes",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("app_id", String(36), nullable=False),
    Column("account_id", String(36), nullable=False),
    Column("grant_id", String(36), nullable=False),
    Column("scopes", Text, nullable=False),
    Column("redirect_uri", String(2000), nullable=False),
    Column("code_challenge", String(43), nullable=False),
    Column("nonce", String(128), nullable=True),
    _time("issued_at"),
    _time("expires_at"),
    _time("used_at", nullable=True),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(36), primary_key=True),
    Column("private_key", LargeBinary, nullable=False),
    Column("public_key", LargeBinary, nullable=False),
    _time("created_at"),
    _time("retired_at", nullable=True),
    # TRUE for the one current key, NULL for retired ones: the unique constraint allows
    # any number of NULLs, so two instances can never both make a key current.
    Column("is_current", Boolean, nullable=True, unique=True),
    Column("version", Integer, nullable=False),
)

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
_Position = BigInteger().with_variant(Integer(), "sqlite")

security_events = Table(
    "security_events",
    metadata,
    Column("position", _Position, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("event_type", String(200), nullable=False),
    _time("occurred_at"),
    Column("account_id", String(36), nullable=True),
    Column("app_id", String(36), nullable=True),
    # The event's payload (a mercato.identity.v1 message, never a secret), as published.
    Column("payload", LargeBinary, nullable=False),
    sqlite_autoincrement=True,
)
"""The audit trail's projection: identity's security events, newest last, by account or app."""
