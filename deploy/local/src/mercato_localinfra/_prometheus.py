"""Debian's Prometheus server: installed where missing, so the services' metrics can be
scraped with the configuration in deploy/prometheus (and the tests can query a real one)."""

from __future__ import annotations

import shutil

from mercato_localinfra._errors import InfraError
from mercato_localinfra._packages import apt_install


def prometheus_binary() -> str | None:
    """The `prometheus` server executable, when installed."""
    return shutil.which("prometheus")


def install_prometheus() -> None:
    """Install Debian's `prometheus` package when the server is missing."""
    if prometheus_binary() is not None:
        return
    apt_install("prometheus", what="the Prometheus server")
    if prometheus_binary() is None:
        raise InfraError("apt-get installed prometheus but no `prometheus` executable was found")
