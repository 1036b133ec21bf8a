"""The `mercato` command line: one entry point for developers and operators."""

from mercato_cli.app import app, main
from mercato_cli.services import SERVICES, ServiceSpec, find_service

__all__ = ["SERVICES", "ServiceSpec", "app", "find_service", "main"]
