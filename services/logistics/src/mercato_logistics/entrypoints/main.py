"""`mercato serve logistics` (being built)."""

from __future__ import annotations

import sys


def main() -> None:
    sys.stderr.write("mercato serve: service 'logistics' is not built yet\n")
    raise SystemExit(2)
