"""`mercato demo`: the order-to-cash ecosystem, each service its own process.

command.py   the command: its options, the stages in order, summary.json and the exit status
launcher.py  the processes (a service or carrier simulator each), stopped on every way out
seed.py      the first operator, the orders and carrier apps, shops and products, buyers
scenario.py  the seeded orders driven to their planned ends, and the payout batch
marketing.py the marketing act: advertisers, campaigns, a publisher site, visitors' clicks
partners.py  the platform act: a partner app following a seller's orders (stream, webhook)
topics.py    what the demo reads of the event log itself
report.py    the ledger's projections (the month's ad revenue vs expenditure), trial balance
             and audit, and the replay audit
"""

from mercato_cli.demo.command import demo

__all__ = ["demo"]
