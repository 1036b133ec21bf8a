"""Signing keys sealed at rest with a key-encryption key (KEK) the database never holds.

The KEK comes from the environment (`IDENTITY_KEY_ENCRYPTION_KEY`) or a file the deployment
mounts (`IDENTITY_KEY_ENCRYPTION_KEY_FILE`): one Fernet key, or several, the current one first
(`new,old` while rotating). A private key is sealed with the current KEK (Fernet: AES-128-CBC and
HMAC-SHA256, from `cryptography`) and opened with any configured KEK (`MultiFernet`), so
instances configured with `new,old` and `old,new` work side by side while a rotation rolls out.
`reseal` re-encrypts a key under the current KEK; a row stored before keys were sealed (the raw
32 bytes) is sealed then.

A dump of identity's database holds only sealed keys: without a KEK it signs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from mercato_kit.auth import SigningKey, public_key_bytes

RAW_KEY_LENGTH = 32
"""An Ed25519 private key stored before sealing: its raw bytes (a sealed one is longer)."""


class KeyUnsealable(Exception):
    """No configured KEK opens a stored signing key (or the key does not match its row)."""


class KeySealer:
    """Seals and opens private signing keys with the configured KEKs (the first is current)."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one key-encryption key is needed")
        self._fernets = [Fernet(key) for key in keys]
        self._all = MultiFernet(self._fernets)

    @staticmethod
    def generate() -> str:
        """A new KEK (url-safe base64 of 32 random bytes), e.g. for a test or a first deploy."""
        return Fernet.generate_key().decode()

    def seal(self, private_key: bytes) -> bytes:
        return self._all.encrypt(private_key)

    def open(self, kid: str, sealed: bytes, public_key: bytes) -> SigningKey:
        """The key pair of row `kid`; KeyUnsealable when no KEK opens it or it is not the row's."""
        return self._pair(kid, self._all.decrypt, sealed, public_key)

    def _pair(
        self, kid: str, decrypt: Callable[[bytes], bytes], sealed: bytes, public_key: bytes
    ) -> SigningKey:
        try:
            pair = SigningKey.from_private_bytes(kid, decrypt(sealed))
        except (InvalidToken, ValueError):
            raise KeyUnsealable(
                f"no configured key-encryption key opens signing key {kid}"
            ) from None
        if public_key_bytes(pair.public_key) != public_key:
            # A sealed key copied onto another row: it would sign under the wrong kid.
            raise KeyUnsealable(f"signing key {kid} does not match its published public key")
        return pair

    def is_current(self, sealed: bytes) -> bool:
        """Whether `sealed` is sealed with the current KEK (nothing to re-encrypt)."""
        if is_unsealed(sealed):
            return False
        try:
            self._fernets[0].decrypt(sealed)
        except InvalidToken:
            return False
        return True

    def reseal(self, kid: str, sealed: bytes, public_key: bytes) -> bytes:
        """`sealed` re-encrypted with the current KEK (KeyUnsealable if no KEK opens it); a key
        stored before sealing (its raw bytes) sealed for the first time."""
        if is_unsealed(sealed):
            pair = self._pair(kid, bytes, sealed, public_key)
        else:
            pair = self.open(kid, sealed, public_key)
        return self.seal(pair.private_bytes())


def is_unsealed(stored: bytes) -> bool:
    return len(stored) == RAW_KEY_LENGTH


def parse_keys(text: str) -> list[str]:
    """KEKs from a variable or a file: separated by commas, spaces or lines; `#` comments."""
    keys: list[str] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        keys.extend(part for part in line.replace(",", " ").split() if part)
    return keys
