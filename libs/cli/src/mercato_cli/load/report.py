"""The harness's findings: one markdown table per fabric, the events per order it saw, the
maximum sustainable rate, the ratio to the pass-through, and all of it as JSON."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mercato_cli.load.driver import StepResult, Watcher, percentiles

__all__ = ["FabricRun", "document", "markdown"]


@dataclass
class FabricRun:
    """One fabric's steps and what its topics carried."""

    name: str
    steps: list[StepResult] = field(default_factory=list)
    events: dict[str, dict[str, float]] = field(default_factory=dict)
    """`topic event_type` -> count, per order, mean bytes."""
    drained_s: list[float] = field(default_factory=list)
    unposted: int = 0
    """Orders placed but never seen posted by the ledger before the run gave up waiting."""
    processes: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Each service process's gRPC calls answered, events applied and CPU seconds over the
    steps (launcher.served_counts): how the work spread over a service's instances, and the
    CPU an order costs (a measure contention on a shared machine does not inflate much)."""

    def note_events(self, watcher: Watcher) -> None:
        placed = max(1, sum(step.placed for step in self.steps))
        self.events = {
            f"{topic} {kind.rsplit('.', 1)[-1]}": {
                "count": count,
                "per_order": round(count / placed, 2),
                "mean_bytes": round(watcher.event_bytes[(topic, kind)] / count),
            }
            for (topic, kind), count in sorted(watcher.events.items())
        }
        self.unposted = watcher.unposted()

    def sustainable(self, slo_ms: float) -> float | None:
        """The highest offered rate whose step was sustainable, None when none was."""
        rates = [step.rate for step in self.steps if step.sustainable(slo_ms)]
        return max(rates) if rates else None


def _ms(value: Any) -> str:
    return "-" if value is None else f"{value:,}"


def _four(hist: Any) -> str:
    found = percentiles(hist)
    return " / ".join(_ms(found[key]) for key in ("p50", "p90", "p99", "max"))


def markdown(runs: Sequence[FabricRun], slo_ms: float) -> str:
    lines = []
    for run in runs:
        lines += [
            f"**{run.name}** (latencies in ms from each order's scheduled time: "
            "p50 / p90 / p99 / max)",
            "",
            "| offered/s | offered | placed | errors | achieved/s | paid/s | PlaceOrder | "
            "place → paid | place → ledger | backlog mid → end | consumer lag | outbox | "
            "sustainable |",
            "|---:|---:|---:|---|---:|---:|---|---|---|---|---:|---:|---|",
        ]
        for step in run.steps:
            errors = ", ".join(f"{code} {n}" for code, n in sorted(step.errors.items())) or "0"
            lines.append(
                f"| {step.rate:g} | {step.offered} | {step.placed} | {errors} | "
                f"{step.achieved:.1f} | {step.paid_rate:.1f} | {_four(step.latencies.place)} | "
                f"{_four(step.latencies.paid)} | {_four(step.latencies.ledger)} | "
                f"{step.backlog_mid} → {step.backlog_end} | {sum(step.lag.values())} | "
                f"{sum(step.outbox.values()):g} | "
                f"{'yes' if step.sustainable(slo_ms) else 'no'} |"
            )
        best = run.sustainable(slo_ms)
        lines += [
            "",
            f"Maximum sustainable rate (p99 of PlaceOrder and of place → paid under "
            f"{slo_ms:g} ms, backlog not growing): "
            + (f"**{best:g} orders/s**" if best is not None else "**none of the steps**"),
            "",
        ]
        cpu = _cpu_per_order(run)
        if cpu is not None:
            instances = Counter(p["service"] for p in run.processes.values())
            lines += [
                f"Services' CPU over the steps: **{cpu * 1000:,.0f} ms per placed order** "
                f"({', '.join(f'{name} x{n}' for name, n in instances.items())})",
                "",
            ]
    ratio = _ratio(runs, slo_ms)
    if ratio is not None:
        top = _baseline_unbounded(runs, slo_ms)
        if top is None:
            lines.append(f"Mercato ÷ pass-through, maximum sustainable rate: **{ratio:.2f}**")
        else:
            lines.append(
                f"Mercato ÷ pass-through, maximum sustainable rate: **at most {ratio:.2f}** "
                f"(the pass-through sustained every step up to {top:g} orders/s, so its maximum "
                "is higher: offer it more, `--topology passthrough --rates ...`, for the ratio)"
            )
    return "\n".join(lines)


def _cpu_per_order(run: FabricRun) -> float | None:
    """The services' CPU seconds over the steps, per order placed."""
    placed = sum(step.placed for step in run.steps)
    cpu = sum(p.get("cpu_s", 0) for p in run.processes.values())
    return round(cpu / placed, 4) if placed and cpu else None


def _ratio(runs: Sequence[FabricRun], slo_ms: float) -> float | None:
    by_name = {run.name: run.sustainable(slo_ms) for run in runs}
    mercato, baseline = by_name.get("mercato"), by_name.get("passthrough")
    if mercato is None or not baseline:
        return None
    return mercato / baseline


def _baseline_unbounded(runs: Sequence[FabricRun], slo_ms: float) -> float | None:
    """The pass-through's top offered rate when it sustained that step: its maximum is then
    above every step offered, and a ratio against it only an upper bound."""
    for run in runs:
        if run.name == "passthrough" and run.steps:
            top = max(step.rate for step in run.steps)
            return top if run.sustainable(slo_ms) == top else None
    return None


def document(
    runs: Sequence[FabricRun], slo_ms: float, options: Mapping[str, Any], loads: Sequence[float]
) -> dict[str, Any]:
    return {
        "options": dict(options),
        "machine": {"cpus": os.cpu_count(), "load_average_at_start": list(loads)},
        "load_average_at_end": list(os.getloadavg()),
        "slo_ms": slo_ms,
        "fabrics": {
            run.name: {
                "steps": [step.as_dict(slo_ms) for step in run.steps],
                "max_sustainable_per_s": run.sustainable(slo_ms),
                "drained_s": run.drained_s,
                "unposted_at_end": run.unposted,
                "events": run.events,
                "processes": run.processes,
                "cpu_s_per_placed_order": _cpu_per_order(run),
            }
            for run in runs
        },
        "ratio_mercato_to_passthrough": _ratio(runs, slo_ms),
        "ratio_is_upper_bound": _baseline_unbounded(runs, slo_ms) is not None,
    }
