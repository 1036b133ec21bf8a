"""The contracts in protos/ lint clean, break nothing against the previous commit, and the
generated Python stubs match them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _buf() -> str:
    candidate = Path(sys.executable).with_name("buf")
    found = str(candidate) if candidate.exists() else shutil.which("buf")
    assert found, "buf is missing: it comes from the buf-bin package in the dev group"
    return found


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 else ""


def _baseline() -> str | None:
    """The commit to compare against: main when this is another branch, else the parent."""
    head = _git("rev-parse", "HEAD")
    main = _git("rev-parse", "--verify", "-q", "main") or _git(
        "rev-parse", "--verify", "-q", "origin/main"
    )
    if main and head and main != head:
        return _git("merge-base", "HEAD", main) or main
    return _git("rev-parse", "--verify", "-q", "HEAD~1") or None


def test_buf_lint_passes() -> None:
    done = subprocess.run(
        [_buf(), "lint", "protos"], cwd=ROOT, capture_output=True, text=True, check=False
    )

    assert done.returncode == 0, done.stdout + done.stderr


def test_no_breaking_change_against_the_previous_contract() -> None:
    baseline = _baseline()
    if baseline is None:
        pytest.skip("no previous commit to compare the contracts with")
    if not _git("ls-tree", "--name-only", baseline, "protos/buf.yaml"):
        pytest.skip(f"the baseline {baseline[:10]} has no protos/ yet")

    done = subprocess.run(
        [_buf(), "breaking", "protos", "--against", f".git#ref={baseline},subdir=protos"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr


def test_generated_stubs_are_not_stale() -> None:
    done = subprocess.run(
        [sys.executable, "libs/protos/generate.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr


def test_money_is_an_integer_of_minor_units_with_a_currency() -> None:
    from mercato.common.v1.money_pb2 import Money

    fields = {f.name: f.type for f in Money.DESCRIPTOR.fields}

    assert fields == {
        "currency": Money.DESCRIPTOR.fields_by_name["currency"].TYPE_STRING,
        "minor_units": Money.DESCRIPTOR.fields_by_name["minor_units"].TYPE_INT64,
    }
