"""The image definitions pass hadolint and docker-compose.yml passes the compose-spec schema.

No container engine runs here: these prove the files are well formed and follow the linters'
rules, not that an image builds or that the services come up in it (see
deploy/container/README.md).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from tests.deploy.support import ROOT, TOOLS, hadolint, tool

SERVICES = {
    "identity",
    "catalog",
    "orders",
    "payments",
    "logistics",
    "ledger",
    "marketing",
    "marketing-traffic",
    "platform",
}
_VARIABLE = re.compile(r"\$\{(\w+)(?::?[-?]([^}]*))?\}")


def _image_definitions() -> list[Path]:
    return sorted((ROOT / "deploy").rglob("Dockerfile*"))


def test_every_image_definition_passes_hadolint() -> None:
    definitions = _image_definitions()
    assert definitions

    done = subprocess.run(
        [str(hadolint()), "--failure-threshold", "info", *map(str, definitions)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr


def _compose() -> dict[str, Any]:
    """docker-compose.yml as compose would see it: variables interpolated (a default or the
    placeholder 'set'), YAML anchors and merge keys resolved."""
    text = (ROOT / "docker-compose.yml").read_text()
    environment = dict(os.environ)
    interpolated = _VARIABLE.sub(lambda m: environment.get(m[1]) or m[2] or "set", text)
    loaded = yaml.safe_load(interpolated)
    assert isinstance(loaded, dict)
    return loaded


def test_the_compose_file_is_valid_against_the_compose_specification() -> None:
    schema = json.loads(tool(TOOLS / "schemas" / "compose-spec.json").read_text())

    jsonschema.validate(_compose(), schema)


def test_compose_runs_the_infrastructure_every_service_and_the_demo_once() -> None:
    services = _compose()["services"]

    assert {"kafka", "postgres", *SERVICES, "demo"} <= set(services)
    assert services["demo"]["restart"] == "no"
    for name in SERVICES:
        service = services[name]
        assert service["read_only"] is True, name
        assert service["build"]["dockerfile"] == "deploy/container/Dockerfile", name
        assert {"kafka", "postgres"} <= set(service["depends_on"]), name
