"""The example service's settings: the kit's ServiceSettings under the EXAMPLE_ prefix."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from mercato_kit.runtime import ServiceSettings


class ExampleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EXAMPLE_")

    grpc_addr: str = "127.0.0.1:50059"
