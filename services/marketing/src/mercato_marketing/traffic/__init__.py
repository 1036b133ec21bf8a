"""Marketing's traffic worker (`mercato serve marketing-traffic`): click-fraud windows and
campaign pacing as faust-streaming agents over marketing's click and campaign topics, with
changelog-backed tables, publishing TrafficFlagged on mercato.marketing.traffic.

- `windows`: the rules as plain functions (what one tally does to one key's state);
- `facts`: events -> tallies, flags -> TrafficFlagged envelopes (deterministic event ids);
- `app`: the faust app (thin agents, the table, the health check);
- `settings`, `main`: configuration from the environment and the process.
"""
