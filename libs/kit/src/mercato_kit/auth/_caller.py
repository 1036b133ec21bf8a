"""The caller of the current call: who, in what capacity, with which scopes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from mercato_kit.errors import PermissionDenied, Unauthenticated

CallerKind = Literal["account", "app"]


@dataclass(frozen=True)
class Caller:
    """A verified token's facts, as handlers see them.

    - an account (buyer, seller, operator): `subject` is the account id, `roles` its roles,
      `scopes` what its token allows;
    - an app (vendor app, publisher site, carrier, partner shop): `subject` is the app id,
      `roles` holds its app kind; acting for an account (a seller's grant, or a buyer who signed
      in on a partner site) it also has `on_behalf_of` (that account) and `grant_id`.
    """

    subject: str
    kind: CallerKind
    roles: frozenset[str]
    scopes: frozenset[str]
    token_id: str
    expires_at: datetime
    on_behalf_of: str | None = None
    grant_id: str | None = None
    session_id: str | None = None

    def has_scope(self, scope: str) -> bool:
        """True when the token carries `scope`."""
        return scope in self.scopes

    def acts_for(self, account_id: str, scope: str | None = None) -> bool:
        """True when the caller is that account, or an app acting for it (with `scope` if given)."""
        if scope is not None and scope not in self.scopes:
            return False
        if self.kind == "account":
            return self.subject == account_id
        return self.on_behalf_of == account_id

    def require_acting_for(self, account_id: str, scope: str | None = None) -> None:
        """Raise PermissionDenied unless `acts_for(account_id, scope)`."""
        if not self.acts_for(account_id, scope):
            raise PermissionDenied("the caller may not act for this account")


_current: ContextVar[Caller | None] = ContextVar("mercato_caller", default=None)


def current_caller() -> Caller | None:
    """The verified caller of the current call, or None for an anonymous one."""
    return _current.get()


def require_caller() -> Caller:
    """The verified caller; Unauthenticated when the call carried no valid token."""
    caller = _current.get()
    if caller is None:
        raise Unauthenticated("this call needs a valid access token")
    return caller


@contextmanager
def bind_caller(caller: Caller | None) -> Iterator[Caller | None]:
    """Make `caller` current for the block (the auth interceptor does this for each call)."""
    token = _current.set(caller)
    try:
        yield caller
    finally:
        _current.reset(token)
