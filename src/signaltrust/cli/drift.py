"""``signaltrust drift``: how far a dataset's recent features moved from their reference."""

from __future__ import annotations

import typer

from signaltrust.cli.console import JSON_OPTION, console, handles_errors, print_json, table
from signaltrust.core.errors import ValidationError

app = typer.Typer(
    help="Drift: PSI and Kolmogorov-Smirnov per feature, recent window against a reference.\n\n"
    "Example: signaltrust drift report --data sp500",
    no_args_is_help=True,
)


@app.command("report")
@handles_errors
def report(
    data: str = typer.Option("sp500", "--data", help="A bundled dataset."),
    features: str = typer.Option("technical", "--features", help="A feature set."),
    window: int = typer.Option(126, "--window", min=10, help="Recent rows (the current window)."),
    reference: int = typer.Option(756, "--reference", min=20,
                                  help="Rows before the window that serve as reference."),
    as_json: bool = JSON_OPTION,
) -> None:
    """PSI and KS of every feature: the last --window rows against the --reference rows
    before them (thresholds from [learning])."""
    from signaltrust.core.config import load_settings
    from signaltrust.ml.drift import drift_report
    from signaltrust.research.ml_eval.dataset import compute_features, load_data, resolve_features

    learning = load_settings().learning
    _, bars = load_data(data)
    frame = compute_features(resolve_features(features), bars).dropna()
    if len(frame) < window + reference:
        raise ValidationError("the dataset has fewer rows than --window plus --reference",
                              field="--reference", value=reference,
                              fix=f"pass values that add up to at most {len(frame)}")
    current = frame.iloc[-window:]
    ref = frame.iloc[-window - reference: -window]
    result = drift_report(ref, current, psi_threshold=learning.psi_threshold,
                          ks_pvalue=learning.ks_pvalue)
    payload = result.to_dict()
    if as_json:
        print_json(payload)
        return
    rows = [[c["column"], f"{c['psi']:.3f}", f"{c['ks_statistic']:.3f}",
             f"{c['ks_pvalue']:.2g}", "DRIFT" if c["drifted"] else ""]
            for c in payload["columns"]]
    console.print(table(f"Drift of {data}: {str(payload['current_span'][0])[:10]}.. against "
                        f"{str(payload['reference_span'][0])[:10]}..",
                        ["feature", "PSI", "KS", "p-value", ""], rows))
    console.print(f"{len(result.drifted)} of {len(result.columns)} features drifted "
                  f"(PSI > {learning.psi_threshold} and KS p < {learning.ks_pvalue})",
                  highlight=False)
