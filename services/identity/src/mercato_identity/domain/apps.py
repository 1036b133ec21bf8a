"""Partner apps: what they are, where partner sign-in may send buyers back to, their secret."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from mercato_identity.domain.credentials import digests_match
from mercato_identity.domain.scopes import check_scopes
from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.errors import InvalidArgument, PermissionDenied

_REDIRECT_URI = re.compile(
    r"(https://[A-Za-z0-9.-]+|http://(localhost|127\.0\.0\.1))(:[0-9]{1,5})?"
    r"(/[A-Za-z0-9._~%/-]*)?(\?[A-Za-z0-9._~%=&-]*)?"
)
_MAX_REDIRECT_URI_LENGTH = 2000


class AppKind(StrEnum):
    VENDOR_APP = "vendor_app"
    PUBLISHER_SITE = "publisher_site"
    CARRIER = "carrier"
    PARTNER_SHOP = "partner_shop"
    SERVICE = "service"


def check_redirect_uris(uris: Sequence[str]) -> tuple[str, ...]:
    """https URLs (http for localhost only), no fragment; InvalidArgument naming the bad one."""
    for index, uri in enumerate(uris):
        if len(uri) > _MAX_REDIRECT_URI_LENGTH or not _REDIRECT_URI.fullmatch(uri):
            raise InvalidArgument(
                f"redirect_uris[{index}]",
                "must be an https URL (http only for localhost) without a fragment",
            )
    return tuple(dict.fromkeys(uris))


class App(Aggregate):
    aggregate_type = "identity.app"

    @dataclass(frozen=True)
    class Registered(DomainEvent):
        owner_account_id: str
        kind: AppKind
        name: str
        redirect_uris: tuple[str, ...]
        scopes: tuple[str, ...]

    @dataclass(frozen=True)
    class SecretRotated(DomainEvent):
        pass

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.owner_account_id = ""
        self.kind = AppKind.VENDOR_APP
        self.name = ""
        self.redirect_uris: tuple[str, ...] = ()
        self.scopes: tuple[str, ...] = ()
        self.secret_digest = ""
        self.registered_at: datetime | None = None

    @classmethod
    def register(
        cls,
        app_id: str,
        *,
        owner_account_id: str,
        owner_is_operator: bool,
        kind: AppKind,
        name: str,
        redirect_uris: Sequence[str],
        scopes: Sequence[str],
        holdable: frozenset[str],
        known_scopes: frozenset[str],
        secret_digest: str,
        now: datetime,
    ) -> App:
        """A new app owned by the registering account; service apps only by operators."""
        if kind is AppKind.SERVICE and not owner_is_operator:
            raise PermissionDenied("only an operator may register a service app")
        uris = check_redirect_uris(redirect_uris)
        if kind is AppKind.PARTNER_SHOP and not uris:
            raise InvalidArgument("redirect_uris", "a partner shop needs at least one")
        checked = check_scopes(
            "scopes", scopes, holdable, known_scopes, f"is not one a {kind} app may hold"
        )
        app = cls(app_id)
        app.secret_digest, app.registered_at = secret_digest, now
        app._trigger(
            App.Registered(
                owner_account_id=owner_account_id,
                kind=kind,
                name=name.strip(),
                redirect_uris=uris,
                scopes=checked,
            )
        )
        return app

    def rotate_secret(self, secret_digest: str, *, by_account: str, by_operator: bool) -> None:
        if by_account != self.owner_account_id and not by_operator:
            raise PermissionDenied("only the app's owner may rotate its secret")
        self.secret_digest = secret_digest
        self._trigger(App.SecretRotated())

    def authenticates(self, secret: str) -> bool:
        return digests_match(secret, self.secret_digest)

    def accepts_redirect_uri(self, uri: str) -> bool:
        return uri in self.redirect_uris

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case App.Registered() as registered:
                self.owner_account_id = registered.owner_account_id
                self.kind, self.name = registered.kind, registered.name
                self.redirect_uris, self.scopes = registered.redirect_uris, registered.scopes
            case App.SecretRotated():
                pass
            case _:
                raise TypeError(f"App cannot apply {type(event).__name__}")
