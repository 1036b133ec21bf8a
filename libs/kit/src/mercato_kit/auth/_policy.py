"""What each RPC needs from its caller, declared beside its handler."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_ATTRIBUTE = "__mercato_policy__"


@dataclass(frozen=True)
class Policy:
    """An RPC's requirement: a token (unless public), every scope listed, one of the roles."""

    scopes: frozenset[str] = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)
    public: bool = False


AUTHENTICATED = Policy()
"""The default for an RPC that declares nothing: any valid token, no particular scope."""


def requires(*scopes: str, roles: Iterable[str] = ()) -> Callable[[F], F]:
    """Declare the scopes (all) and roles (any) a servicer method needs.

    @requires("catalog:write")
    async def ListProduct(self, request, context): ...
    """
    policy = Policy(scopes=frozenset(scopes), roles=frozenset(roles))

    def mark(handler: F) -> F:
        setattr(handler, _ATTRIBUTE, policy)
        return handler

    return mark


def public(handler: F) -> F:
    """Declare that a servicer method needs no token (one that is sent is still verified)."""
    setattr(handler, _ATTRIBUTE, Policy(public=True))
    return handler


class AuthPolicies:
    """The policies of a server's RPCs, by full method name (`/package.Service/Method`)."""

    def __init__(self) -> None:
        self._policies: dict[str, Policy] = {}

    def register(self, servicer: object, service: Any) -> None:
        """Read the declarations of `servicer`'s methods for a protobuf ServiceDescriptor."""
        for method in service.methods:
            handler = getattr(servicer, method.name, None)
            policy = getattr(handler, _ATTRIBUTE, AUTHENTICATED)
            self._policies[f"/{service.full_name}/{method.name}"] = policy

    def policy_for(self, method: str) -> Policy:
        """The declared policy; AUTHENTICATED for a method nobody declared."""
        return self._policies.get(method, AUTHENTICATED)
