"""`mercato load`: the whole fabric's load harness (command.py), its open-loop driver
(driver.py), the two fabrics it drives (topology.py: Mercato, and the pass-through of
passthrough.py) and its report (report.py)."""
