"""`mercato serve payments` (being built)."""

from __future__ import annotations

import sys


def main() -> None:
    sys.stderr.write("mercato serve: service 'payments' is not built yet\n")
    raise SystemExit(2)
