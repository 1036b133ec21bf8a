"""identity's gRPC servicers, one module each: request -> translator -> command -> handler in
`run_once` (mutating) or a read-only unit of work (queries) -> translator -> response.

Requests arrive validated by the kit's edge and the caller verified by its AuthInterceptor;
what each RPC needs is declared beside it. Mutating commands are idempotent by key, scoped per
caller by the kit (one account's key never answers another's request). No request field that is
a secret (a password, app secret, refresh token, code or verifier) is ever logged, stored in
clear, or part of a stored idempotent response.
"""

from mercato_identity.entrypoints.grpc_api._edge import Dependencies
from mercato_identity.entrypoints.grpc_api.accounts import AccountService
from mercato_identity.entrypoints.grpc_api.apps import AppService
from mercato_identity.entrypoints.grpc_api.grants import GrantService
from mercato_identity.entrypoints.grpc_api.keys import SigningKeyService
from mercato_identity.entrypoints.grpc_api.partner_sign_in import PartnerSignInService
from mercato_identity.entrypoints.grpc_api.security import SecurityEventService

__all__ = [
    "AccountService",
    "AppService",
    "Dependencies",
    "GrantService",
    "PartnerSignInService",
    "SecurityEventService",
    "SigningKeyService",
]
