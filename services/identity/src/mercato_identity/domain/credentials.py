"""Secrets and how they are kept: passwords with scrypt, random secrets as SHA-256 digests.

Passwords are low-entropy, so they get a memory-hard function (scrypt, from the standard
library) with a per-password salt; its parameters are stored with the hash, so they can be
raised later without breaking old hashes. App secrets, refresh tokens and authorization codes
are 256 random bits: nobody can guess one, so a fast digest is enough to keep them unreadable
at rest while letting them be looked up by digest. Comparisons are constant-time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass

from mercato_kit.errors import InvalidArgument

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
_SCHEME = "scrypt"


@dataclass(frozen=True)
class ScryptParameters:
    """scrypt's cost: N = 2**log2_n, block size r, parallelism p (memory ~ 128 * r * N bytes).

    The default is OWASP's recommendation (N = 2**17, r = 8, p = 1): 128 MiB and about half a
    second of one core per hash.
    """

    log2_n: int = 17
    r: int = 8
    p: int = 1

    def __post_init__(self) -> None:
        if not 10 <= self.log2_n <= 20 or not 1 <= self.r <= 32 or not 1 <= self.p <= 16:
            raise ValueError(f"unsafe or unreasonable scrypt parameters: {self}")


def check_password(password: str, email: str) -> None:
    """Refuse a password that breaks the policy (InvalidArgument naming `password`)."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidArgument(
            "password",
            f"must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters long",
        )
    if any(unicodedata.category(char) == "Cc" for char in password):
        raise InvalidArgument("password", "must not contain control characters")
    if password.strip().lower() == email.strip().lower():
        raise InvalidArgument("password", "must not be the e-mail address")


def hash_password(password: str, parameters: ScryptParameters) -> str:
    """`scrypt$<log2 N>$<r>$<p>$<salt>$<hash>` (base64url): salted, parameters included."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, parameters.log2_n, parameters.r, parameters.p)
    return "$".join(
        (
            _SCHEME,
            str(parameters.log2_n),
            str(parameters.r),
            str(parameters.p),
            _b64(salt),
            _b64(digest),
        )
    )


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches `stored` (constant-time comparison; False if malformed)."""
    try:
        scheme, log2_n, r, p, salt, expected = stored.split("$")
        if scheme != _SCHEME:
            return False
        digest = _scrypt(password, _unb64(salt), int(log2_n), int(r), int(p))
        return hmac.compare_digest(digest, _unb64(expected))
    except ValueError:
        return False


def _scrypt(password: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    n = 2**log2_n
    # NFKC: the same password typed on another keyboard or system still matches.
    data = unicodedata.normalize("NFKC", password).encode()
    return hashlib.scrypt(data, salt=salt, n=n, r=r, p=p, maxmem=2 * 128 * r * n, dklen=32)


def new_secret(prefix: str) -> str:
    """A new random secret: `prefix` and 256 random bits, base64url (a-z A-Z 0-9 _ -)."""
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """The SHA-256 digest (hex) under which a random secret is stored and looked up."""
    return hashlib.sha256(secret.encode()).hexdigest()


def digests_match(secret: str, stored_digest: str) -> bool:
    """Whether `secret` has `stored_digest` (constant-time comparison)."""
    return hmac.compare_digest(digest(secret), stored_digest)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
