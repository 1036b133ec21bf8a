"""Grants: an account lets an app act for it, within scopes, until it revokes the grant.

A seller grants from the scopes sellers may grant; a buyer's consent on a partner shop is a
grant from the scopes buyers may consent to. One active grant per account and app.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from mercato_identity.domain.apps import App, AppKind
from mercato_identity.domain.scopes import check_scopes, narrowed
from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.errors import FailedPrecondition, NotFound


class RevocationReason(StrEnum):
    REVOKED_BY_GRANTOR = "revoked_by_grantor"
    REVOKED_BY_OPERATOR = "revoked_by_operator"
    SUPERSEDED = "superseded"


class Grant(Aggregate):
    aggregate_type = "identity.grant"

    @dataclass(frozen=True)
    class Granted(DomainEvent):
        grantor_account_id: str
        grantor_role: str
        app_id: str
        scopes: tuple[str, ...]

    @dataclass(frozen=True)
    class Revoked(DomainEvent):
        grantor_account_id: str
        app_id: str
        reason: RevocationReason

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.grantor_account_id = ""
        self.grantor_role = ""
        self.app_id = ""
        self.scopes: tuple[str, ...] = ()
        self.granted_at: datetime | None = None
        self.revoked_at: datetime | None = None
        self.revocation_reason: RevocationReason | None = None

    @classmethod
    def give(
        cls,
        grant_id: str,
        *,
        grantor_account_id: str,
        grantor_role: str,
        app: App,
        scopes: Sequence[str],
        allowed: frozenset[str],
        known_scopes: frozenset[str],
        now: datetime,
    ) -> Grant:
        if app.kind is AppKind.SERVICE:
            raise FailedPrecondition("a service app acts for nobody: it cannot hold grants")
        checked = check_scopes(
            "scopes", scopes, allowed, known_scopes, f"is not one a {grantor_role} may grant"
        )
        grant = cls(grant_id)
        grant.granted_at = now
        grant._trigger(
            Grant.Granted(
                grantor_account_id=grantor_account_id,
                grantor_role=grantor_role,
                app_id=app.id,
                scopes=checked,
            )
        )
        return grant

    @property
    def is_active(self) -> bool:
        return self.revocation_reason is None

    def visible_to(self, subject: str, *, operator: bool = False) -> bool:
        """The grantor, the app, and operators may see a grant; to others it does not exist."""
        return operator or subject in (self.grantor_account_id, self.app_id)

    def covers(self, scopes: Iterable[str]) -> bool:
        return set(scopes) <= set(self.scopes)

    def token_scopes(self, requested: Iterable[str]) -> frozenset[str]:
        return narrowed(self.scopes, requested)

    def revoke(self, *, by_account: str, by_operator: bool, now: datetime) -> None:
        """Revoke (nothing changes if it is revoked already)."""
        if by_account != self.grantor_account_id and not by_operator:
            raise NotFound(f"grant {self.id} does not exist")
        reason = (
            RevocationReason.REVOKED_BY_GRANTOR
            if by_account == self.grantor_account_id
            else RevocationReason.REVOKED_BY_OPERATOR
        )
        self._end(reason, now)

    def supersede(self, now: datetime) -> None:
        self._end(RevocationReason.SUPERSEDED, now)

    def _end(self, reason: RevocationReason, now: datetime) -> None:
        if not self.is_active:
            return
        self.revoked_at = now
        self._trigger(
            Grant.Revoked(
                grantor_account_id=self.grantor_account_id, app_id=self.app_id, reason=reason
            )
        )

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case Grant.Granted() as granted:
                self.grantor_account_id = granted.grantor_account_id
                self.grantor_role, self.app_id = granted.grantor_role, granted.app_id
                self.scopes = granted.scopes
            case Grant.Revoked(reason=reason):
                self.revocation_reason = reason
            case _:
                raise TypeError(f"Grant cannot apply {type(event).__name__}")


def consent(
    existing: Grant | None,
    *,
    new_grant_id: str,
    buyer_id: str,
    app: App,
    scopes: Sequence[str],
    consentable: frozenset[str],
    known_scopes: frozenset[str],
    now: datetime,
) -> Grant:
    """The grant a buyer's consent to a partner shop stands on.

    The buyer's active grant to the shop when it covers the scopes; otherwise a new grant for
    the scopes together with the old grant's, which it supersedes (revokes).
    """
    if app.kind is not AppKind.PARTNER_SHOP:
        raise FailedPrecondition("buyers sign in with Mercato on partner shops only")
    checked = check_scopes(
        "scopes", scopes, consentable, known_scopes, "is not one a buyer may consent to"
    )
    if existing is not None and existing.is_active and existing.covers(checked):
        return existing
    previous = existing.scopes if existing is not None and existing.is_active else ()
    grant = Grant.give(
        new_grant_id,
        grantor_account_id=buyer_id,
        grantor_role="buyer",
        app=app,
        scopes=sorted({*checked, *previous}),
        allowed=consentable,
        known_scopes=known_scopes,
        now=now,
    )
    if existing is not None:
        existing.supersede(now)
    return grant
