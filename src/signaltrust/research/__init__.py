"""Research: end-to-end pipelines and the reports that run backtests (application layer).

``risk_report`` measures a portfolio's or a strategy's risk, ``stress_test`` re-runs a strategy
under historical and synthetic shocks, ``walk_forward_evaluation`` scores a model out of sample
and ``run_demo`` is the ``signaltrust demo`` job. Names load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from signaltrust.core.lazy import lazy_exports

if TYPE_CHECKING:
    from signaltrust.research.demo import DemoReport, run_demo
    from signaltrust.research.ml_eval import EvaluationResult, walk_forward_evaluation
    from signaltrust.research.risk import RiskReport, risk_report
    from signaltrust.research.stress import stress_test

__all__ = [
    "DemoReport", "EvaluationResult", "RiskReport", "risk_report", "run_demo", "stress_test",
    "walk_forward_evaluation",
]
__getattr__, __dir__ = lazy_exports(globals(), {
    "DemoReport": "signaltrust.research.demo:DemoReport",
    "EvaluationResult": "signaltrust.research.ml_eval:EvaluationResult",
    "RiskReport": "signaltrust.research.risk:RiskReport",
    "risk_report": "signaltrust.research.risk:risk_report",
    "run_demo": "signaltrust.research.demo:run_demo",
    "stress_test": "signaltrust.research.stress:stress_test",
    "walk_forward_evaluation": "signaltrust.research.ml_eval:walk_forward_evaluation",
})
