"""`mercato serve catalog` (being built)."""

from __future__ import annotations

import sys


def main() -> None:
    sys.stderr.write("mercato serve: service 'catalog' is not built yet\n")
    raise SystemExit(2)
