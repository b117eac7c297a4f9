"""Feature importance and selection, out of sample: MDI, MDA, SFI, clustered importance, PCA.

After López de Prado (Advances in Financial Machine Learning, ch. 8; Machine Learning for
Asset Managers, ch. 6):

- :func:`mdi_importance`: mean decrease impurity of a fitted tree ensemble (in sample: cheap,
  biased toward features with many split points, kept for comparison);
- :func:`mda_importance`: mean decrease accuracy: the out-of-sample score lost when a feature
  (or a cluster of features, ``clusters=``) is shuffled in each test fold;
- :func:`sfi_importance`: single-feature importance: each feature's own out-of-sample score;
- :func:`feature_clusters` and :func:`clustered_mdi`: groups of correlated features, whose
  importance is measured together, so that substitutes do not dilute each other;
- :func:`pca_out_of_sample`: principal components fitted on each training fold only.

``cv`` is any scikit-learn splitter; with overlapping labels pass
``signaltrust.ml.validation.PurgedKFold(t1=...)`` (the default when ``t1`` is given).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError


def _splitter(cv: Any, t1: pd.Series | None) -> Any:
    if cv is not None:
        return cv
    if t1 is not None:
        from signaltrust.ml.validation import PurgedKFold

        return PurgedKFold(n_splits=5, t1=t1, embargo=0.01)
    from sklearn.model_selection import KFold

    return KFold(n_splits=5, shuffle=False)


def _frame(X: Any) -> pd.DataFrame:
    if not isinstance(X, pd.DataFrame):
        raise ValidationError("features must be a DataFrame with named columns", field="X",
                              value=type(X).__name__, fix="pass pd.DataFrame(X, columns=names)")
    if X.isna().any().any():
        column = X.columns[X.isna().any()].tolist()[0]
        raise ValidationError("features hold NaN", field=str(column), value="NaN",
                              fix="drop the warm-up rows (X.dropna()) before measuring")
    return X


def _summary(scores: dict[str, list[float]]) -> pd.DataFrame:
    table = pd.DataFrame({k: np.asarray(v, dtype=np.float64) for k, v in scores.items()})
    count = max(len(table), 1)
    return pd.DataFrame({"mean": table.mean(), "std": table.std(ddof=1) * count ** -0.5}
                        ).sort_values("mean", ascending=False)


def mdi_importance(model: Any, feature_names: Sequence[str]) -> pd.DataFrame:
    """Mean and standard error across the trees of a fitted ensemble's impurity importance,
    normalised to sum to 1 (a feature a tree never considered counts as NaN for it, not 0)."""
    trees = getattr(model, "estimators_", None)
    if trees is None:
        raise ValidationError("MDI needs a fitted tree ensemble", field="model",
                              value=type(model).__name__,
                              fix="fit a RandomForestClassifier or BaggingClassifier of trees")
    rows = np.array([getattr(t, "feature_importances_", None) for t in np.ravel(trees)],
                    dtype=np.float64)
    rows[rows == 0] = np.nan
    frame = pd.DataFrame(rows, columns=list(feature_names))
    mean = frame.mean()
    out = pd.DataFrame({"mean": mean, "std": frame.std(ddof=1) * len(frame) ** -0.5})
    return (out / mean.sum()).sort_values("mean", ascending=False)


def mda_importance(model: Any, X: pd.DataFrame, y: Any, *, cv: Any = None,
                   t1: pd.Series | None = None, scoring: str = "neg_log_loss",
                   clusters: Sequence[Sequence[str]] | None = None,
                   seed: int = 0) -> pd.DataFrame:
    """Out-of-sample score lost when a feature (or each cluster of ``clusters``, shuffled
    together) is permuted in the test fold; mean and standard error over the folds."""
    from sklearn.base import clone
    from sklearn.metrics import get_scorer

    X = _frame(X)
    y = np.asarray(y)
    scorer = get_scorer(scoring)
    groups = ([[c] for c in X.columns] if clusters is None else [list(c) for c in clusters])
    names = [g[0] if clusters is None else f"cluster_{k}" for k, g in enumerate(groups)]
    rng = np.random.default_rng(seed)
    lost: dict[str, list[float]] = {name: [] for name in names}
    for train, test in _splitter(cv, t1).split(X, y):
        fitted = clone(model).fit(X.iloc[train], y[train])
        base = scorer(fitted, X.iloc[test], y[test])
        for name, group in zip(names, groups, strict=True):
            shuffled = X.iloc[test].copy()
            order = rng.permutation(len(test))
            shuffled[group] = shuffled[group].to_numpy()[order]
            lost[name].append(base - scorer(fitted, shuffled, y[test]))
    out = _summary(lost)
    if clusters is not None:
        out["features"] = [", ".join(groups[names.index(n)]) for n in out.index]
    return out


def sfi_importance(model: Any, X: pd.DataFrame, y: Any, *, cv: Any = None,
                   t1: pd.Series | None = None, scoring: str = "neg_log_loss") -> pd.DataFrame:
    """Each feature's own out-of-sample score (the model fitted on that feature alone)."""
    from sklearn.model_selection import cross_val_score

    X = _frame(X)
    y = np.asarray(y)
    splitter = _splitter(cv, t1)
    scores = {c: list(cross_val_score(model, X[[c]], y, cv=splitter, scoring=scoring))
              for c in X.columns}
    return _summary(scores)


def feature_clusters(X: pd.DataFrame, n_clusters: int | None = None,
                     max_clusters: int = 10) -> list[list[str]]:
    """Groups of correlated features: hierarchical clustering (average linkage) on the
    distance sqrt((1 - rho) / 2); the number of groups is ``n_clusters`` or the one with the
    best silhouette up to ``max_clusters``."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform
    from sklearn.metrics import silhouette_score

    X = _frame(X)
    if X.shape[1] < 2:
        return [list(X.columns)]
    corr = np.nan_to_num(X.corr().to_numpy(), nan=0.0)
    dist = np.sqrt(np.clip((1.0 - corr) / 2.0, 0.0, None))
    np.fill_diagonal(dist, 0.0)
    tree = linkage(squareform(dist, checks=False), method="average")
    if n_clusters is None:
        best, best_score = 1, -np.inf
        for k in range(2, min(max_clusters, X.shape[1] - 1) + 1):
            labels = fcluster(tree, k, criterion="maxclust")
            if len(set(labels)) < 2:
                continue
            score = silhouette_score(dist, labels, metric="precomputed")
            if score > best_score:
                best, best_score = k, score
        n_clusters = best
    labels = fcluster(tree, int(n_clusters), criterion="maxclust")
    groups: dict[int, list[str]] = {}
    for name, label in zip(X.columns, labels, strict=True):
        groups.setdefault(int(label), []).append(str(name))
    return [groups[k] for k in sorted(groups)]


def clustered_mdi(model: Any, feature_names: Sequence[str],
                  clusters: Sequence[Sequence[str]]) -> pd.DataFrame:
    """MDI summed within each cluster, per tree, then averaged (mean, standard error)."""
    trees = getattr(model, "estimators_", None)
    if trees is None:
        raise ValidationError("MDI needs a fitted tree ensemble", field="model",
                              value=type(model).__name__, fix="fit a tree ensemble first")
    frame = pd.DataFrame([t.feature_importances_ for t in np.ravel(trees)],
                         columns=list(feature_names))
    sums = {f"cluster_{k}": frame[list(g)].sum(axis=1).tolist() for k, g in enumerate(clusters)}
    out = _summary(sums)
    out["features"] = [", ".join(clusters[int(n.split("_")[1])]) for n in out.index]
    return out


def pca_out_of_sample(X: pd.DataFrame, *, n_components: int, cv: Any = None,
                      t1: pd.Series | None = None) -> pd.DataFrame:
    """The principal components of each test fold's rows, the scaler and the components fitted
    on that fold's training rows only (rows in no test fold stay NaN)."""
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = _frame(X)
    if not 1 <= int(n_components) <= X.shape[1]:
        raise ValidationError("n_components does not fit the features", field="n_components",
                              value=n_components, fix=f"pass 1..{X.shape[1]}")
    out = np.full((len(X), int(n_components)), np.nan)
    for train, test in _splitter(cv, t1).split(X):
        pipe = make_pipeline(StandardScaler(), PCA(n_components=int(n_components)))
        pipe.fit(X.iloc[train])
        out[test] = pipe.transform(X.iloc[test])
    return pd.DataFrame(out, index=X.index,
                        columns=[f"pc_{j}" for j in range(1, int(n_components) + 1)])


__all__ = ["clustered_mdi", "feature_clusters", "mda_importance", "mdi_importance",
           "pca_out_of_sample", "sfi_importance"]
