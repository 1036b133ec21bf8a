"""Typed settings from environment variables, with start-up errors that name the variable.

Each service declares one settings class (pydantic-settings) and loads it once, in its
composition root:

    class CatalogSettings(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="CATALOG_")
        grpc_addr: str = "127.0.0.1:50052"
        kafka_bootstrap_servers: str = Field(validation_alias="KAFKA_BOOTSTRAP_SERVERS")

    settings = load_settings(CatalogSettings)
"""

from __future__ import annotations

import re
from typing import TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings
from pydantic_settings import SettingsError as _SourceError

__all__ = ["SettingsError", "env_name", "load_settings"]

S = TypeVar("S", bound=BaseSettings)

# pydantic-settings reports a value it cannot decode (bad JSON for a list, say) this way.
_UNDECODABLE = re.compile(r'error parsing value for field "([^"]+)"')


class SettingsError(ValueError):
    """A required environment variable is missing or malformed; the message names it."""


def env_name(settings_type: type[BaseSettings], field: str) -> str:
    """The environment variable that sets `field` of `settings_type`."""
    info = settings_type.model_fields[field]
    alias = info.validation_alias
    if isinstance(alias, str):
        return alias.upper()
    prefix = str(settings_type.model_config.get("env_prefix", ""))
    return f"{prefix}{field}".upper()


def load_settings(settings_type: type[S]) -> S:
    """Read the settings from the environment; raise SettingsError naming every bad variable."""
    try:
        return settings_type()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            location = str(error["loc"][0]) if error["loc"] else "?"
            field = location if location in settings_type.model_fields else None
            name = env_name(settings_type, field) if field else location.upper()
            if error["type"] == "missing":
                problems.append(f"{name} is not set")
            else:
                problems.append(f"{name} is malformed: {error['msg'].lower()}")
        raise SettingsError("bad configuration: " + "; ".join(problems)) from None
    except _SourceError as exc:
        match = _UNDECODABLE.search(str(exc))
        if match is None or match.group(1) not in settings_type.model_fields:
            raise SettingsError(f"bad configuration: {exc}") from None
        name = env_name(settings_type, match.group(1))
        raise SettingsError(f"bad configuration: {name} is malformed: not valid JSON") from None
