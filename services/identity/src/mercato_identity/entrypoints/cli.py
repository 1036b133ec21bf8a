"""`mercato identity create-operator|rekey`: identity's operator tools in the `mercato` CLI.

identity provides this command group through its `mercato.commands` entry point; both commands
are those of `python -m mercato_identity.entrypoints.admin` (see there), on the database and
with the key-encryption key `mercato serve identity` would use.
"""

from __future__ import annotations

import typer

from mercato_identity.entrypoints import admin

__all__ = ["identity_app"]

identity_app = typer.Typer(
    help="identity's operator tools: the first operator, re-encrypting the signing keys.",
    no_args_is_help=True,
)


@identity_app.command("create-operator")
def create_operator(
    email: str = typer.Option(..., "--email", help="The new operator's e-mail address."),
) -> None:
    """Register an operator (password from IDENTITY_OPERATOR_PASSWORD or standard input)."""
    raise typer.Exit(admin.main(["create-operator", "--email", email]))


@identity_app.command()
def rekey() -> None:
    """Re-encrypt the signing keys with the current (first) IDENTITY_KEY_ENCRYPTION_KEY."""
    raise typer.Exit(admin.main(["rekey"]))
