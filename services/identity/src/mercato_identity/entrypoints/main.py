"""`mercato serve identity`: the identity service alone, configured by environment variables."""

from __future__ import annotations

from mercato_identity.adapters.keyring import SigningKeyRing
from mercato_identity.bootstrap import MIGRATIONS, bootstrap_with
from mercato_identity.settings import IdentitySettings
from mercato_kit.runtime import run_service_main


def main() -> None:
    ring = SigningKeyRing()
    run_service_main(
        "identity",
        IdentitySettings,
        wire=bootstrap_with(ring),
        migrations=MIGRATIONS,
        key_provider=ring,
    )


if __name__ == "__main__":
    main()
