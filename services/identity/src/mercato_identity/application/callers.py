"""Who may do what, from the verified caller of the current call."""

from __future__ import annotations

from datetime import datetime

from mercato_identity.application.ports import IdentityUnitOfWork
from mercato_kit.auth import Caller
from mercato_kit.errors import PermissionDenied, Unauthenticated


def is_operator(caller: Caller | None) -> bool:
    return caller is not None and caller.kind == "account" and "operator" in caller.roles


def require_account(caller: Caller, doing: str) -> None:
    """Only an account itself (not an app, even one acting for it) may do this."""
    if caller.kind != "account":
        raise PermissionDenied(f"only an account may {doing}")


async def require_live_session(uow: IdentityUnitOfWork, caller: Caller, now: datetime) -> None:
    """Identity checks its own records too: an account token's session must still be on.

    (Other services rely on the revocation events; identity need not wait for them.)
    """
    if caller.kind != "account" or caller.session_id is None:
        return
    session = await uow.sessions.get(caller.session_id)
    if session is None or not session.is_active(now):
        raise Unauthenticated("the session of this access token has ended")
