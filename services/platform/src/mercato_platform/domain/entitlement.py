"""Entitlement: which app sees which feed entry, and on what basis (which decides whether a
buyer's address is in what it sees)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from mercato_platform.domain.catalogue import (
    CARRIER_SCOPE,
    PUBLISHER_SCOPE,
    Audience,
    kind_of,
)


@dataclass(frozen=True)
class Owners:
    """Whose an event is: the seller of the order/payment/shipment, the carrier handling a
    shipment, the publisher of a click or conversion ("" when none)."""

    seller_id: str = ""
    carrier_id: str = ""
    publisher_id: str = ""

    @property
    def anyone(self) -> bool:
        return bool(self.seller_id or self.carrier_id or self.publisher_id)

    def completed_by(self, known: Owners | None) -> Owners:
        """These owners, with what is missing taken from `known` (an earlier event's)."""
        if known is None:
            return self
        return Owners(
            self.seller_id or known.seller_id,
            self.carrier_id or known.carrier_id,
            self.publisher_id or known.publisher_id,
        )


class Basis(enum.Enum):
    """Why an app sees an event."""

    SELLER_GRANT = "seller_grant"
    """The event's seller granted the app the kind's scope: the seller's own app."""
    CARRIER = "carrier"
    """The app is the carrier handling the parcel."""
    PUBLISHER = "publisher"
    """The app is the publisher whose click or conversion it is."""

    @property
    def shows_address(self) -> bool:
        """A buyer's address is shown to the seller's own apps and to the carrier handling the
        parcel, to nobody else."""
        return self in (Basis.SELLER_GRANT, Basis.CARRIER)


@dataclass(frozen=True)
class AppView:
    """What decides an app's entitlement: its id, its own scopes, and the scopes each seller
    granted it (active grants only)."""

    app_id: str
    app_scopes: frozenset[str] = frozenset()
    seller_scopes: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def granted(self, seller_id: str, scope: str) -> bool:
        return scope in self.seller_scopes.get(seller_id, frozenset())

    @property
    def sellers(self) -> frozenset[str]:
        return frozenset(self.seller_scopes)


def basis_for(view: AppView, event_type: str, owners: Owners) -> Basis | None:
    """Why `view`'s app may see an event of this type and these owners; None: it may not."""
    kind = kind_of(event_type)
    if kind is None:
        return None
    if kind.audience is Audience.PUBLISHER:
        if owners.publisher_id == view.app_id and PUBLISHER_SCOPE in view.app_scopes:
            return Basis.PUBLISHER
        return None
    if (
        owners.seller_id
        and kind.seller_scope is not None
        and view.granted(owners.seller_id, kind.seller_scope)
    ):
        return Basis.SELLER_GRANT
    if (
        kind.audience is Audience.SELLER_AND_CARRIER
        and owners.carrier_id == view.app_id
        and CARRIER_SCOPE in view.app_scopes
    ):
        return Basis.CARRIER
    return None
