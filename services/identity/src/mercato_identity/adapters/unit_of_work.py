"""Identity's unit of work: one transaction over its tables, the kit's outbox and idempotency keys.

Every repository records its aggregates' new events in one AuditedOutbox (the kit's outbox, and
the audit trail's table for the security events among them). Once the transaction
has committed, the revocations among them (AccessRevoked, SignedOut) also go into this process's
`InMemoryRevocations`, so this instance refuses the tokens at once; the other instances (and
services) hear of them from Kafka.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from mercato_identity.adapters.accounts import SqlAccounts
from mercato_identity.adapters.apps import SqlApps
from mercato_identity.adapters.codes import SqlAuthorizationCodes
from mercato_identity.adapters.grants import SqlGrants
from mercato_identity.adapters.key_encryption import KeySealer
from mercato_identity.adapters.keys import SqlPublishedKeys
from mercato_identity.adapters.security_events import AuditedOutbox, SqlSecurityEvents
from mercato_identity.adapters.sessions import SqlSessions
from mercato_identity.adapters.throttles import SqlThrottles
from mercato_identity.adapters.translator import payload_of
from mercato_identity.domain import Grant, Session
from mercato_kit.auth import InMemoryRevocations
from mercato_kit.storage import Database
from mercato_kit.store import SqlUnitOfWork

PRODUCER = "identity"


def hide_sql_parameters(database: Database) -> None:
    """Keep statement parameters out of database errors (and so out of logged tracebacks):
    identity's parameters include password hashes and secret digests."""
    database.engine.sync_engine.hide_parameters = True


class SqlIdentityUnitOfWork(SqlUnitOfWork):
    """See IdentityUnitOfWork. `revocations` is this process's set (the runtime's); `sealer`
    seals new signing keys with the KEK."""

    def __init__(
        self,
        database: Database,
        *,
        revocations: InMemoryRevocations,
        sealer: KeySealer,
        after_commit: Callable[[], object] | None = None,
        read_only: bool = False,
    ) -> None:
        super().__init__(database, after_commit=after_commit, read_only=read_only)
        self._revocations = revocations
        self._sealer = sealer

    def _open_repositories(self, session: AsyncSession) -> None:
        self.outbox = AuditedOutbox(session, producer=PRODUCER, payload_of=payload_of)
        self.accounts = SqlAccounts(session, self.outbox)
        self.throttles = SqlThrottles(session)
        self.sessions = SqlSessions(session, self.outbox)
        self.security = SqlSecurityEvents(session, self.outbox)
        self.apps = SqlApps(session, self.outbox)
        self.grants = SqlGrants(session, self.outbox)
        self.codes = SqlAuthorizationCodes(session)
        self.keys = SqlPublishedKeys(session, self.outbox, self._sealer)

    async def commit(self) -> None:
        await super().commit()
        self._revoke_what_was_recorded()

    def _revoke_what_was_recorded(self) -> None:
        for aggregate, event in self.outbox.recorded:
            if isinstance(event, Grant.Revoked):
                self._revocations.revoke_grant(aggregate.id)
            elif isinstance(event, Session.SignedOut):
                self._revocations.revoke_session(aggregate.id)


class SqlUnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> SqlIdentityUnitOfWork: ...
