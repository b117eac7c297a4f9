"""An explanation of predictions: contributions per row and feature, said in a trader's words.

``Explanation`` is what :func:`signaltrust.ml.explain.explain` returns for every model kind:
SHAP values (tree and permutation), integrated gradients of a sequence model (also per bar of
its look-back window, with the attention weights of the CNN+LSTM hybrid) and LIME's local
linear surrogate. ``base_value + sum(contributions)`` is the explained output of each row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError


@dataclass(frozen=True)
class Explanation:
    """Contributions per row and feature, the base value, and the explained output.

    ``values`` (rows x features) and ``data`` (the feature values) share X's index and columns;
    ``base_values`` is one number per row; ``output`` names the explained quantity ("score" or
    "raw") and ``method`` the algorithm ("tree", "permutation", "integrated_gradients",
    "lime"). ``reference`` says what the contributions are measured against (the background
    sample and its size, the baseline window). Sequence models add ``steps`` (rows x bars ago:
    each bar's contribution summed over features), ``attributions`` (rows x bars ago x
    features) and, for the CNN+LSTM hybrid, ``attention`` (rows x bars ago). LIME's
    contributions add up to its local surrogate's output; ``model_output`` holds the model's.
    """

    values: pd.DataFrame
    base_values: pd.Series
    data: pd.DataFrame
    output: str
    method: str
    target: str = "score"
    names: dict[str, str] = field(default_factory=dict)
    reference: str = ""
    steps: pd.DataFrame | None = None
    attributions: np.ndarray | None = None
    attention: pd.DataFrame | None = None
    model_output: pd.Series | None = None

    @property
    def predictions(self) -> pd.Series:
        """base value + sum of contributions: the explained model output per row."""
        return self.base_values + self.values.sum(axis=1)

    def _row(self, i: Any) -> int:
        if isinstance(i, (int, np.integer)):
            if not -len(self.values) <= i < len(self.values):
                raise ValidationError("row out of range", field="i", value=int(i),
                                      fix=f"use 0..{len(self.values) - 1}")
            return int(i) % len(self.values)
        try:
            pos = self.values.index.get_loc(i)
        except KeyError:
            raise ValidationError("no such row in the explanation", field="i", value=i,
                                  fix="pass a position or a label of X's index") from None
        if not isinstance(pos, (int, np.integer)):
            raise ValidationError("row label is not unique", field="i", value=i,
                                  fix="pass an integer position")
        return int(pos)

    def top(self, i: Any, top: int = 3) -> pd.DataFrame:
        """The ``top`` contributions of row ``i`` by absolute size: feature, value, contribution."""
        row = self._row(i)
        contrib = self.values.iloc[row]
        order = np.argsort(-np.abs(contrib.to_numpy()), kind="stable")[: max(int(top), 0)]
        names = contrib.index[order]
        return pd.DataFrame({
            "feature": names,
            "label": [readable_name(n, self.names) for n in names],
            "value": self.data.iloc[row][names].to_numpy(dtype=float),
            "contribution": contrib.iloc[order].to_numpy(dtype=float),
        })

    def sentence(self, i: Any, top: int = 3) -> str:
        """The top contributions as a sentence: "RSI(14) at 72 raised the score by 0.08; ..."."""
        parts = []
        for k, row in enumerate(self.top(i, top).itertuples(index=False)):
            subject = f"the {self.target}" if k == 0 else "it"
            size = format_contribution(abs(row.contribution))
            if row.contribution > 0:
                verb = f"raised {subject} by {size}"
            elif row.contribution < 0:
                verb = f"lowered {subject} by {size}"
            else:
                verb = f"did not move {subject}"
            parts.append(f"{row.label} at {format_value(row.feature, row.value)} {verb}")
        if not parts:
            return ""
        text = "; ".join(parts) + "."
        if self.steps is not None:
            window = len(self.steps.columns)
            bars = self.top_steps(i, 1).iloc[0]
            n = int(bars["bars_ago"])
            ago = "this bar" if n == 0 else ("the bar before" if n == 1 else f"{n} bars ago")
            text += (f" Over its {window}-bar window, {ago} counted most "
                     f"({format_contribution(abs(bars['contribution']))}"
                     + (f", attention {bars['attention']:.2f}" if "attention" in bars else "")
                     + ").")
        return text

    def top_steps(self, i: Any, top: int = 3) -> pd.DataFrame:
        """A sequence model's ``top`` bars of row ``i``'s window by absolute contribution
        (summed over features), with their attention weight when the model has attention."""
        if self.steps is None:
            raise ValidationError("this explanation has no time steps", field="method",
                                  value=self.method,
                                  fix="explain a sequence model (lstm, cnn, cnn_lstm, ...)")
        row = self._row(i)
        contrib = self.steps.iloc[row]
        order = np.argsort(-np.abs(contrib.to_numpy()), kind="stable")[: max(int(top), 0)]
        out = pd.DataFrame({"bars_ago": contrib.index[order].to_numpy(),
                            "contribution": contrib.iloc[order].to_numpy(dtype=float)})
        if self.attention is not None:
            out["attention"] = self.attention.iloc[row][out["bars_ago"]].to_numpy(dtype=float)
        return out

    def records(self, top: int = 3) -> list[dict[str, Any]]:
        """Per row: the explained output, the base value, the sentence and the ``top``
        contributions (and bars, for sequence models) as plain data (``--json``, reports)."""
        out = []
        for i, when in enumerate(self.values.index):
            record: dict[str, Any] = {
                "time": when, "method": self.method, "target": self.target,
                "explained": float(self.predictions.iloc[i]),
                "base_value": float(self.base_values.iloc[i]),
                "sentence": self.sentence(i, top),
                "top": self.top(i, top).to_dict(orient="records"),
            }
            if self.model_output is not None:
                record["model_output"] = float(self.model_output.iloc[i])
            if self.steps is not None:
                record["top_bars"] = self.top_steps(i, top).to_dict(orient="records")
            out.append(record)
        return out

    def to_frame(self) -> pd.DataFrame:
        """Contributions with ``base_value`` and ``prediction`` columns, one row per sample."""
        out = self.values.copy()
        out["base_value"] = self.base_values
        out["prediction"] = self.predictions
        return out


# -- readable names and values ------------------------------------------------------------------
# (pattern, label template, value kind): "pct" fractions shown as %, "pp" already in percent,
# "level" oscillators shown as whole numbers, "num" plain numbers.
_NAMES: list[tuple[str, str, str]] = [
    (r"ret_(\d+)", "{0}-day return", "pct"),
    (r"rsi_(\d+)", "RSI({0})", "level"),
    (r"roc_(\d+)", "{0}-day rate of change", "pp"),
    (r"macd_signal_(\d+)_(\d+)_(\d+)", "MACD signal({0},{1},{2})", "pct"),
    (r"macd_hist_(\d+)_(\d+)_(\d+)", "MACD histogram({0},{1},{2})", "pct"),
    (r"macd_(\d+)_(\d+)_(\d+)", "MACD({0},{1},{2})", "pct"),
    (r"stoch_k_(\d+)_(\d+)", "Stochastic %K({0},{1})", "level"),
    (r"stoch_d_(\d+)_(\d+)", "Stochastic %D({0},{1})", "level"),
    (r"sma_ratio_(\d+)", "price vs {0}-day SMA", "pct"),
    (r"ema_ratio_(\d+)", "price vs {0}-day EMA", "pct"),
    (r"adx_(\d+)", "ADX({0})", "level"),
    (r"aroon_up_(\d+)", "Aroon up({0})", "level"),
    (r"aroon_down_(\d+)", "Aroon down({0})", "level"),
    (r"aroon_osc_(\d+)", "Aroon oscillator({0})", "level"),
    (r"natr_(\d+)", "NATR({0})", "pp"),
    (r"realized_vol_ratio_(\d+)_(\d+)", "{0}/{1}-day volatility ratio", "num"),
    (r"realized_vol_(\d+)", "{0}-day realised volatility", "pct"),
    (r"bb_width_(\d+)", "Bollinger width({0})", "pct"),
    (r"bb_pctb_(\d+)", "Bollinger %B({0})", "num"),
    (r"obv_change_(\d+)", "{0}-day OBV change", "num"),
    (r"mfi_(\d+)", "MFI({0})", "level"),
    (r"volume_zscore_(\d+)", "volume z-score({0})", "num"),
    (r"volume_ratio_(\d+)", "volume vs {0}-day average", "num"),
    (r"body_ratio", "candle body share", "pct"),
    (r"upper_shadow_ratio", "upper shadow share", "pct"),
    (r"lower_shadow_ratio", "lower shadow share", "pct"),
    (r"gap", "opening gap", "pct"),
    (r"prob_(\w+)", "P({0} regime)", "num"),
    (r"vix", "VIX", "num"),
]


def _match(name: str) -> tuple[str, str] | None:
    for pattern, template, kind in _NAMES:
        m = re.fullmatch(pattern, str(name))
        if m:
            return template.format(*[g.replace("_", "-") for g in m.groups()]), kind
    return None


def readable_name(name: str, overrides: dict[str, str] | None = None) -> str:
    """A trader's name for a feature: ``rsi_14`` -> "RSI(14)", ``ret_20`` -> "20-day return"."""
    if overrides and name in overrides:
        return overrides[name]
    found = _match(name)
    return found[0] if found else str(name)


def format_value(name: str, value: float) -> str:
    """A feature value as a trader reads it: returns as %, oscillators as whole numbers."""
    if value is None or not np.isfinite(value):
        return "n/a"
    found = _match(name)
    kind = found[1] if found else "num"
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "pp":
        return f"{value:.1f}%"
    if kind == "level":
        return f"{value:.0f}"
    return f"{value:.3g}"


def format_contribution(size: float) -> str:
    """Two decimals, or two significant digits below 0.01 (so a small push is not "0.00")."""
    return f"{size:.2f}" if size >= 0.01 or size == 0 else f"{size:.2g}"

