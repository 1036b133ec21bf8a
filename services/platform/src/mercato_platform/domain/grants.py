"""Grants as the platform follows them from identity's events."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GrantChange:
    """A grant given (active) or revoked. Only grants given by sellers entitle apps to events:
    a buyer's consent to a partner shop is not a seller's shop."""

    grant_id: str
    app_id: str
    grantor_id: str = ""
    grantor_role: str = ""
    scopes: frozenset[str] = frozenset()
    active: bool = True

    @property
    def entitles(self) -> bool:
        return self.active and self.grantor_role == "seller"
