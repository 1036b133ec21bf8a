"""Identity's settings: the kit's ServiceSettings under the IDENTITY_ prefix, and its policies.

Durations are in seconds. `IDENTITY_PASSWORD_HASH_LOG2_N` is scrypt's cost (2**N rounds,
128 * 8 * 2**N bytes of memory): 17 by default (OWASP's recommendation); lower it only for tests.

`IDENTITY_KEY_ENCRYPTION_KEY` (or `IDENTITY_KEY_ENCRYPTION_KEY_FILE`, a file holding it) is
required: the Fernet key(s) that seal the signing keys at rest, the current one first (see
adapters.key_encryption). identity refuses to start without one rather than make one up: a key
it invented would live next to the database it protects, or be lost with the process.

Sign-in throttling (domain.throttling): `IDENTITY_SIGN_IN_MAX_FAILURES` per (e-mail, source
address) and `IDENTITY_SIGN_IN_SOURCE_MAX_FAILURES` per source address within
`IDENTITY_SIGN_IN_WINDOW`, then blocks from `IDENTITY_SIGN_IN_BASE_DELAY` doubling up to
`IDENTITY_SIGN_IN_MAX_DELAY`. The source address is the gRPC peer's, unless the peer is one of
`IDENTITY_TRUSTED_PROXIES` (addresses or networks, comma-separated: the edges in front of
identity), whose `x-forwarded-for` is then believed.

Retention (application.cleanup), every `IDENTITY_CLEANUP_INTERVAL`: `IDENTITY_SESSION_RETENTION`
after a session ended or expired, `IDENTITY_AUTHORIZATION_CODE_RETENTION` after a code expired,
`IDENTITY_SIGN_IN_THROTTLE_RETENTION` after a counter's last failure, and
`IDENTITY_SECURITY_EVENT_RETENTION` for the audit trail's table (Kafka keeps its own).
`IDENTITY_IDEMPOTENCY_KEY_RETENTION` (7 days after a key was first used) is the kit's, as for
every service (mercato_kit.runtime.ServiceSettings).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

from pydantic import Field, IPvAnyNetwork, SecretStr, ValidationInfo, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from mercato_identity.adapters.key_encryption import KeySealer, parse_keys
from mercato_identity.application.cleanup import Retention
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
    sign_in_source_max_failures: int = Field(100, ge=1)
    sign_in_window: int = Field(900, ge=1)
    sign_in_base_delay: float = Field(30.0, gt=0)
    sign_in_max_delay: float = Field(900.0, gt=0)
    trusted_proxies: Annotated[list[IPvAnyNetwork], NoDecode] = Field(default_factory=list)
    session_retention: int = Field(30 * 24 * 3600, ge=1)
    authorization_code_retention: int = Field(24 * 3600, ge=1)
    sign_in_throttle_retention: int = Field(24 * 3600, ge=1)
    security_event_retention: int = Field(365 * 24 * 3600, ge=1)
    cleanup_interval: float = Field(300.0, gt=0)
    key_refresh_interval: float = Field(30.0, gt=0)
    key_encryption_key_file: Path | None = None
    key_encryption_key: SecretStr | None = Field(None, validate_default=True)

    @field_validator("key_encryption_key")
    @classmethod
    def _key_encryption_keys_are_usable(
        cls, value: SecretStr | None, info: ValidationInfo
    ) -> SecretStr | None:
        path = info.data.get("key_encryption_key_file")
        if value is None and path is None:
            raise ValueError(
                "neither it nor IDENTITY_KEY_ENCRYPTION_KEY_FILE is set: identity seals its"
                " signing keys with it (make one with `python -c 'from cryptography.fernet"
                " import Fernet; print(Fernet.generate_key().decode())'`)"
            )
        if value is not None and path is not None:
            raise ValueError("set it or IDENTITY_KEY_ENCRYPTION_KEY_FILE, not both")
        if value is None:
            assert path is not None
            try:
                value = SecretStr(path.read_text())
            except OSError as exc:
                raise ValueError(
                    f"IDENTITY_KEY_ENCRYPTION_KEY_FILE cannot be read: {exc}"
                ) from None
        keys = parse_keys(value.get_secret_value())
        try:
            KeySealer(keys)
        except ValueError:
            raise ValueError(
                "not a list of Fernet keys (32 url-safe base64-encoded bytes each, the current"
                " one first, separated by commas or lines)"
            ) from None
        return SecretStr(",".join(keys))

    def key_sealer(self) -> KeySealer:
        assert self.key_encryption_key is not None  # the validator reads the file into it
        return KeySealer(parse_keys(self.key_encryption_key.get_secret_value()))

    def token_policy(self) -> TokenPolicy:
        return TokenPolicy(
            access_token_ttl=timedelta(seconds=self.access_token_ttl),
            identity_token_ttl=timedelta(seconds=self.identity_token_ttl),
            session_lifetime=timedelta(seconds=self.session_lifetime),
            authorization_code_ttl=timedelta(seconds=self.authorization_code_ttl),
        )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return (
            [part for part in value.replace(",", " ").split()] if isinstance(value, str) else value
        )

    def throttle_policy(self) -> ThrottlePolicy:
        return ThrottlePolicy(
            source_max_failures=self.sign_in_source_max_failures,
            account_max_failures=self.sign_in_max_failures,
            window=timedelta(seconds=self.sign_in_window),
            base_delay=timedelta(seconds=self.sign_in_base_delay),
            max_delay=timedelta(seconds=self.sign_in_max_delay),
        )

    def retention(self) -> Retention:
        return Retention(
            sessions=timedelta(seconds=self.session_retention),
            authorization_codes=timedelta(seconds=self.authorization_code_retention),
            sign_in_throttles=timedelta(seconds=self.sign_in_throttle_retention),
            security_events=timedelta(seconds=self.security_event_retention),
        )

    def scrypt_parameters(self) -> ScryptParameters:
        return ScryptParameters(log2_n=self.password_hash_log2_n)
