"""The load harness's report: the ratio to the pass-through is an upper bound, and says so,
when the pass-through sustained every step it was offered (its maximum lies above them)."""

from __future__ import annotations

from mercato_cli.load.driver import StepResult
from mercato_cli.load.report import FabricRun, document, markdown

SLO_MS = 1000.0


def _step(number: int, rate: float, p99_ms: int) -> StepResult:
    step = StepResult(number, rate, 30.0, offered=int(rate * 30), placed=int(rate * 30))
    for hist in (step.latencies.place, step.latencies.paid):
        hist.record_value(p99_ms)
    return step


def _runs(passthrough_p99s: list[int]) -> list[FabricRun]:
    rates = [10.0, 20.0, 40.0]
    mercato = FabricRun(
        "mercato",
        [_step(n, r, p) for n, (r, p) in enumerate(zip(rates, [50, 2000, 9000], strict=True))],
    )
    baseline = FabricRun(
        "passthrough",
        [_step(n, r, p) for n, (r, p) in enumerate(zip(rates, passthrough_p99s, strict=True))],
    )
    return [mercato, baseline]


def test_a_pass_through_sustaining_its_top_step_makes_the_ratio_an_upper_bound() -> None:
    runs = _runs([20, 20, 30])

    report = markdown(runs, SLO_MS)
    found = document(runs, SLO_MS, {}, [0.0, 0.0, 0.0])

    assert "**at most 0.25**" in report
    assert "up to 40 orders/s" in report
    assert found["ratio_mercato_to_passthrough"] == 0.25
    assert found["ratio_is_upper_bound"] is True


def test_a_pass_through_that_failed_a_step_gives_the_ratio_itself() -> None:
    runs = _runs([20, 30, 5000])

    report = markdown(runs, SLO_MS)
    found = document(runs, SLO_MS, {}, [0.0, 0.0, 0.0])

    assert "maximum sustainable rate: **0.50**" in report
    assert "at most" not in report
    assert found["ratio_mercato_to_passthrough"] == 0.5
    assert found["ratio_is_upper_bound"] is False
