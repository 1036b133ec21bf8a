"""Identity's errors: the kit's tree, specialised. Every message is safe to show the caller.

Unauthenticated
├── InvalidCredentials        unknown e-mail or wrong password (one answer for both)
├── RefreshTokenRejected      unknown, expired or spent refresh token, or an ended session
│   └── RefreshTokenReused    a spent refresh token came back: the session is ended
├── AppCredentialsRejected    unknown app or wrong secret (one answer for both)
└── AuthorizationCodeRejected unknown, spent, expired or mismatched code or verifier
AlreadyExists
├── EmailTaken
└── GrantExists
ResourceExhausted
└── SignInThrottled           too many failed sign-ins from this address (for this account or
                              any): retry after the delay, whichever it is (it says no more)
"""

from __future__ import annotations

from mercato_kit.errors import AlreadyExists, ResourceExhausted, Unauthenticated


class InvalidCredentials(Unauthenticated):
    def __init__(self) -> None:
        super().__init__("the e-mail address or the password is wrong")


class SignInThrottled(ResourceExhausted):
    def __init__(self, retry_after: float) -> None:
        super().__init__(
            f"too many failed sign-ins; try again in {max(1, round(retry_after))} s",
            retry_after=retry_after,
        )


class RefreshTokenRejected(Unauthenticated):
    def __init__(self) -> None:
        super().__init__("the refresh token is not valid; sign in again")


class RefreshTokenReused(RefreshTokenRejected):
    """The presented refresh token was spent already; the session has been ended."""


class AppCredentialsRejected(Unauthenticated):
    def __init__(self) -> None:
        super().__init__("the app key or the app secret is wrong")


class AuthorizationCodeRejected(Unauthenticated):
    def __init__(self) -> None:
        super().__init__("the authorization code is not valid")


class EmailTaken(AlreadyExists):
    def __init__(self) -> None:
        super().__init__("an account with this e-mail address exists already")


class GrantExists(AlreadyExists):
    def __init__(self, grant_id: str) -> None:
        super().__init__(
            f"this app already holds grant {grant_id} from this account; revoke it first"
        )
        self.grant_id = grant_id
