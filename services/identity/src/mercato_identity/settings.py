"""Identity's settings: the kit's ServiceSettings under the IDENTITY_ prefix, and its policies.

Durations are in seconds. `IDENTITY_PASSWORD_HASH_LOG2_N` is scrypt's cost (2**N rounds,
128 * 8 * 2**N bytes of memory): 17 by default (OWASP's recommendation); lower it only for tests.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from mercato_identity.application.tokens import TokenPolicy
from mercato_identity.domain import ScryptParameters, ThrottlePolicy
from mercato_kit.runtime import ServiceSettings


class IdentitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDENTITY_")

    grpc_addr: str = "127.0.0.1:50051"
    access_token_ttl: int = Field(600, ge=30, le=3600)
    identity_token_ttl: int = Field(300, ge=30, le=3600)
    session_lifetime: int = Field(30 * 24 * 3600, ge=300, le=365 * 24 * 3600)
    authorization_code_ttl: int = Field(60, ge=10, le=600)
    password_hash_log2_n: int = Field(17, ge=10, le=20)
    sign_in_max_failures: int = Field(5, ge=1, le=100)
    sign_in_window: int = Field(900, ge=1)
    sign_in_lockout: int = Field(900, ge=1)
    key_refresh_interval: float = Field(30.0, gt=0)

    def token_policy(self) -> TokenPolicy:
        return TokenPolicy(
            access_token_ttl=timedelta(seconds=self.access_token_ttl),
            identity_token_ttl=timedelta(seconds=self.identity_token_ttl),
            session_lifetime=timedelta(seconds=self.session_lifetime),
            authorization_code_ttl=timedelta(seconds=self.authorization_code_ttl),
        )

    def throttle_policy(self) -> ThrottlePolicy:
        return ThrottlePolicy(
            max_failures=self.sign_in_max_failures,
            window=timedelta(seconds=self.sign_in_window),
            lockout=timedelta(seconds=self.sign_in_lockout),
        )

    def scrypt_parameters(self) -> ScryptParameters:
        return ScryptParameters(log2_n=self.password_hash_log2_n)
