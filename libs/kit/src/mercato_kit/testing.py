"""Test doubles the kit ships for the services' tests; production code never imports this module.

- `LocalIssuer`: a stand-in for identity: it signs tokens that services started with its keys
  trust.
- `TestAuthority`: a certificate authority issuing server and client certificates (PEM files)
  for tests of TLS and mutual TLS.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mercato_kit.auth._caller import CallerKind
from mercato_kit.auth._interceptor import AUTHORIZATION_KEY
from mercato_kit.auth._keys import SigningKey, StaticKeyProvider, public_key_bytes
from mercato_kit.auth._tokens import MERCATO_AUDIENCE, TokenIssuer

__all__ = ["IssuedCertificate", "LocalIssuer", "TestAuthority"]


class LocalIssuer:
    """Signs real Ed25519 access tokens with a key of its own.

    issuer = LocalIssuer()
    env = {"AUTH_TRUSTED_KEYS": issuer.trusted_keys(), ...}   # start the service with it
    stub.ListProduct(request, metadata=issuer.metadata(subject=seller, roles=["seller"],
                                                       scopes=["catalog:write"]))
    """

    def __init__(self) -> None:
        self.key = SigningKey.generate()
        self.issuer = TokenIssuer(self.key)
        self.keys = StaticKeyProvider({self.key.kid: self.key.public_key})

    def trusted_keys(self) -> str:
        """The AUTH_TRUSTED_KEYS value that makes a service trust this issuer."""
        from mercato_kit.runtime import trusted_keys_setting

        return trusted_keys_setting([(self.key.kid, public_key_bytes(self.key.public_key))])

    def token(
        self,
        *,
        subject: str,
        kind: CallerKind = "account",
        roles: Iterable[str] = (),
        scopes: Iterable[str] = (),
        audience: str = MERCATO_AUDIENCE,
        on_behalf_of: str | None = None,
        grant_id: str | None = None,
        session_id: str | None = None,
        ttl: timedelta = timedelta(minutes=10),
    ) -> str:
        """A signed access token with these claims."""
        return self.issuer.issue(
            subject=subject,
            kind=kind,
            roles=roles,
            scopes=scopes,
            audience=audience,
            on_behalf_of=on_behalf_of,
            grant_id=grant_id,
            session_id=session_id,
            ttl=ttl,
        ).token

    def metadata(self, **claims: object) -> list[tuple[str, str]]:
        """gRPC call metadata carrying a token with these claims (see `token`)."""
        return [(AUTHORIZATION_KEY, f"Bearer {self.token(**claims)}")]  # type: ignore[arg-type]


@dataclass(frozen=True)
class IssuedCertificate:
    """PEM files of a certificate and its key."""

    cert: Path
    key: Path


class TestAuthority:
    """A certificate authority for tests of TLS and mutual TLS (the `cryptography` package).

    authority = TestAuthority(tmp_path)
    server = authority.issue("server", hosts=["127.0.0.1", "localhost"])
    client = authority.issue("orders")
    authority.ca        # the bundle callers verify servers (and servers clients) against
    """

    __test__ = False  # not a pytest test class

    def __init__(self, folder: Path, name: str = "Mercato test CA") -> None:
        self._folder = folder
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.now(UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(self._name)
            .issuer_name(self._name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self._key, hashes.SHA256())
        )
        folder.mkdir(parents=True, exist_ok=True)
        self.ca = folder / f"{name.replace(' ', '-').lower()}.pem"
        self.ca.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))

    def issue(self, name: str, hosts: Iterable[str] = ()) -> IssuedCertificate:
        """A certificate for `name` (and these DNS names or IP addresses) signed by this CA."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        alternatives: list[x509.GeneralName] = []
        for host in hosts:
            try:
                alternatives.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                alternatives.append(x509.DNSName(host))
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(self._name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
        )
        if alternatives:
            builder = builder.add_extension(x509.SubjectAlternativeName(alternatives), False)
        certificate = builder.sign(self._key, hashes.SHA256())
        cert, key_file = self._folder / f"{name}.pem", self._folder / f"{name}-key.pem"
        cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return IssuedCertificate(cert, key_file)
