"""`mercato demo`: the order-to-cash ecosystem, each service its own process.

command.py   the command: its options, the stages in order, summary.json and the exit status
launcher.py  the processes (a service or carrier simulator each), stopped on every way out
seed.py      the first operator, the orders and carrier apps, shops and products, buyers
scenario.py  the seeded orders driven to their planned ends, and the payout batch
report.py    the ledger's projections, trial balance and audit, and the replay audit
"""

from mercato_cli.demo.command import demo

__all__ = ["demo"]
