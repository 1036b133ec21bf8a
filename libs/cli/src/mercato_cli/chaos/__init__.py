"""`mercato chaos`: named faults against an ecosystem of its own, then `mercato verify`.

- world.py: the ecosystem (its own broker and database, the demo's services) and its handles;
- faults.py: each fault, and the evidence that it happened;
- scenarios.py: the fourteen scenarios, a load of orders flowing through each, the checks;
- command.py: the command, its table and its JSON.
"""
