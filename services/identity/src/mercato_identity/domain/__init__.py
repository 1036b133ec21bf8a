"""Identity's domain: accounts, sessions, apps, grants, partner sign-in codes, signing keys.

Blind to Kafka, gRPC, SQL and protobuf: the standard library and mercato_kit's domain, errors
and ids modules only. The scope catalogue is the kit's; handlers pass the relevant part in.
"""

from mercato_identity.domain.accounts import Account, Role, normalise_email
from mercato_identity.domain.apps import App, AppKind
from mercato_identity.domain.credentials import ScryptParameters
from mercato_identity.domain.grants import Grant, RevocationReason, consent
from mercato_identity.domain.partner_sign_in import AuthorizationCode
from mercato_identity.domain.security import OperatorAction, SecurityEvent
from mercato_identity.domain.sessions import Session, SignOutReason
from mercato_identity.domain.signing_keys import PublishedKey
from mercato_identity.domain.throttling import Throttle, ThrottlePolicy

__all__ = [
    "Account",
    "App",
    "AppKind",
    "AuthorizationCode",
    "Grant",
    "OperatorAction",
    "PublishedKey",
    "RevocationReason",
    "Role",
    "ScryptParameters",
    "SecurityEvent",
    "Session",
    "SignOutReason",
    "Throttle",
    "ThrottlePolicy",
    "consent",
    "normalise_email",
]
