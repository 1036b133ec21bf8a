"""Debian's Chromium: installed where missing, so the operators' console is tested in a real
browser (Playwright drives this executable; it downloads none of its own)."""

from __future__ import annotations

import shutil

from mercato_localinfra._errors import InfraError
from mercato_localinfra._packages import apt_install


def chromium_binary() -> str | None:
    """The `chromium` executable, when installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def install_chromium() -> None:
    """Install Debian's `chromium` package when the browser is missing."""
    if chromium_binary() is not None:
        return
    apt_install("chromium", what="Chromium (the console's browser tests)")
    if chromium_binary() is None:
        raise InfraError("apt-get installed chromium but no `chromium` executable was found")
