"""`mercato serve orders`: refuses to start until the OrderService API is wired (issue 7, phase 2).

Phase 1 built the domain, the saga and the adapters (bootstrap.py says what is left); a process
that answered health checks without serving orders would mislead an operator.
"""

from __future__ import annotations

import sys


def main() -> None:
    sys.stderr.write(
        "mercato serve: service 'orders' is not built yet "
        "(domain and saga exist; its gRPC API is being wired)\n"
    )
    raise SystemExit(2)


if __name__ == "__main__":
    main()
