"""Accounts: who signs in, as what. The password hash is state, never part of an event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.errors import PermissionDenied


class Role(StrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    OPERATOR = "operator"


def normalise_email(email: str) -> str:
    """One spelling per address: trimmed and lower case (so Ann@Shop.CN is ann@shop.cn)."""
    return email.strip().lower()


class Account(Aggregate):
    aggregate_type = "identity.account"

    @dataclass(frozen=True)
    class Registered(DomainEvent):
        email: str
        role: Role

    @dataclass(frozen=True)
    class RegistrationAttempted(DomainEvent):
        """Someone asked to register this account's address again (the owner is told)."""

        role: Role
        by_operator: bool

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.email = ""
        self.role = Role.BUYER
        self.password_hash = ""
        self.registered_at: datetime | None = None

    @classmethod
    def register(
        cls,
        account_id: str,
        email: str,
        role: Role,
        password_hash: str,
        *,
        registered_by_operator: bool,
        now: datetime,
    ) -> Account:
        """A new account; operators are registered only by operators."""
        if role is Role.OPERATOR and not registered_by_operator:
            raise PermissionDenied("only an operator may register an operator")
        account = cls(account_id)
        account.password_hash = password_hash
        account.registered_at = now
        account._trigger(Account.Registered(email=normalise_email(email), role=role))
        return account

    def registration_attempted(self, role: Role, *, by_operator: bool) -> None:
        """A registration for this address: nothing changes, but the owner hears of it."""
        self._trigger(Account.RegistrationAttempted(role=role, by_operator=by_operator))

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case Account.Registered(email=email, role=role):
                self.email, self.role = email, role
            case Account.RegistrationAttempted():
                pass
            case _:
                raise TypeError(f"Account cannot apply {type(event).__name__}")
