"""Debian's packages, installed where missing (as root, or through passwordless sudo)."""

from __future__ import annotations

import os
import shutil

from mercato_localinfra._errors import InfraError
from mercato_localinfra._process import run


def apt_install(package: str, *, what: str) -> None:
    """`apt-get install <package>`, fetching the package lists first when a fresh machine has
    none; InfraError naming the command to run when this user may not install packages."""
    if os.geteuid() == 0:
        prefix: list[str] = []
    elif shutil.which("sudo"):
        prefix = ["sudo", "-n"]
    else:
        raise InfraError(
            f"{what} is not installed and this user cannot install it: "
            f"run `apt-get install {package}` as root"
        )
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = [*prefix, "apt-get", "install", "-y", "-q", "--no-install-recommends", package]
    try:
        run(install, what=f"installing {what}", env=env)
    except InfraError:
        # A fresh machine has no package lists yet.
        run([*prefix, "apt-get", "update", "-q"], what="apt-get update", env=env)
        run(install, what=f"installing {what}", env=env)
