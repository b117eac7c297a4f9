"""Model registry on MLflow: record every training run, version models, promote by alias.

Where: the ``tracking_uri`` the caller passes. :func:`tracking_uri` gives the usual one: the
environment's ``MLFLOW_TRACKING_URI`` when set (a tracking server, e.g.
``http://mlflow:5000``, or any MLflow store URI), otherwise a local SQLite store
``sqlite:///<home>/mlflow.db`` with artefacts under ``<home>/mlartifacts`` (no server, no
network). The command line computes it from the configuration and the environment; the library
reads neither. The first use of a new local store creates its tables (a few seconds, once).

Each :func:`log_training_run` creates an MLflow run in the experiment ``signaltrust`` with the
data hash, the feature names, the parameters (``model.<name>`` for the estimator's own
hyper-parameters), the seeds (``seed.<name>``), the walk-forward metrics (nested dicts
flattened with dots; every value is also kept verbatim in ``signaltrust.json``), and the model
as an MLflow scikit-learn artefact (cloudpickle, so the LightGBM/XGBoost/PyTorch wrappers
round-trip); then registers it as a new version of the named model.

Stages are aliases (MLflow 3 deprecates the old stages): ``promote(name, 3)`` points the
``production`` alias at version 3; ``staging`` is the other conventional alias. A version is
referred to by its number or an alias wherever a ``ref`` is taken; ``None`` means the latest.

Reads are fast: on a SQL store (the local SQLite one, PostgreSQL, MySQL) the registry's rows and
each version's ``signaltrust.json`` are read directly (:mod:`signaltrust.ml.registry_sql`), and
``promote`` writes its one alias row directly, so ``list``, ``show`` and ``promote`` never import
MLflow; logging a run and loading a model use MLflow. ``reads="mlflow"`` (the named bypass) reads
through MLflow's client instead, with the same answers.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from signaltrust.core.errors import SignalTrustError, ValidationError
from signaltrust.core.serialize import to_plain
from signaltrust.ml.registry_sql import SqlRegistryStore, VersionRow, is_sql_store

EXPERIMENT = "signaltrust"
META_FILE = "signaltrust.json"
_QUIET_ENV = {
    "MLFLOW_DISABLE_TELEMETRY": "true",  # MLflow 3 usage telemetry: off unless the user opts in
    "DO_NOT_TRACK": "true",
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
    "MLFLOW_LOGGING_LEVEL": "WARNING",
}


class ModelNotFoundError(SignalTrustError, KeyError):
    """A registered model, version or alias that does not exist (the message lists what does)."""

    def __str__(self) -> str:
        return Exception.__str__(self)


@dataclass(frozen=True)
class ModelVersion:
    """One registered model version and the training run that made it."""

    name: str
    version: int
    run_id: str
    aliases: list[str]
    data_hash: str
    features: list[str]
    params: dict[str, Any]
    seeds: dict[str, Any]
    metrics: dict[str, Any]
    model_class: str
    created: datetime
    source: str
    tags: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plain data (``core.serialize.to_plain``)."""
        return to_plain(self)


@dataclass(frozen=True)
class RegisteredModel:
    """A registered model: its versions, the latest one and where each alias points."""

    name: str
    latest_version: int
    versions: list[int]
    aliases: dict[str, int]
    updated: datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plain data (``core.serialize.to_plain``)."""
        return to_plain(self)


def tracking_uri(home: str | Path, environ: Mapping[str, str] | None = None) -> str:
    """The registry's store: ``environ["MLFLOW_TRACKING_URI"]`` if set, else one under ``home``.

    ``home`` is the data home (``Settings.home``); ``environ`` the environment the caller read
    (``os.environ`` at the command line). The local store is ``sqlite:///<home>/mlflow.db``.
    """
    uri = (environ or {}).get("MLFLOW_TRACKING_URI", "").strip()
    if uri:
        return uri
    return f"sqlite:///{Path(home).expanduser().resolve() / 'mlflow.db'}"


def _mlflow() -> Any:
    for key, value in _QUIET_ENV.items():
        os.environ.setdefault(key, value)
    import mlflow

    for name in ("alembic", "mlflow"):
        logger = logging.getLogger(name)
        if logger.level in (logging.NOTSET, logging.INFO, logging.DEBUG) and name == "alembic":
            logger.setLevel(logging.WARNING)
    return mlflow


def _local_artifact_root(uri: str) -> str | None:
    if uri.startswith("sqlite:///"):
        return (Path(uri[len("sqlite:///"):]).parent / "mlartifacts").as_uri()
    return None  # a server or file store chooses its own


def _key(name: str) -> str:
    return re.sub(r"[^\w\-. /]", "_", str(name))[:250]


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, Mapping):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    else:
        out[prefix] = value


def _requirements() -> list[str]:
    from importlib.metadata import PackageNotFoundError, version

    names = ["scikit-learn", "cloudpickle", "numpy", "pandas"]
    names += [m for m in ("lightgbm", "xgboost", "torch") if m in sys.modules]
    out = []
    for pkg in names:
        try:
            out.append(f"{pkg}=={version(pkg)}")
        except PackageNotFoundError:
            continue
    return out


READS = ("auto", "mlflow")


class ModelRegistry:
    """The registry at ``tracking_uri`` (an MLflow store URI; see :func:`tracking_uri`).

    ``reads="auto"`` reads a SQL store directly (no MLflow import), any other store through
    MLflow; ``reads="mlflow"`` always through MLflow (same answers, slower to start).
    """

    def __init__(self, tracking_uri: str, experiment: str = EXPERIMENT,
                 reads: str = "auto") -> None:
        if not isinstance(tracking_uri, str) or not tracking_uri.strip():
            raise ValidationError(
                "the registry needs the URI of its MLflow store", field="tracking_uri",
                value=tracking_uri,
                fix="pass signaltrust.ml.registry.tracking_uri(home) or a server's URL",
            )
        if reads not in READS:
            raise ValidationError("unknown read path", field="reads", value=reads,
                                  fix=f"use one of {', '.join(READS)}")
        self.tracking_uri = tracking_uri
        self.experiment = experiment
        self.reads = reads
        self._client_obj: Any = None
        self._sql_obj: SqlRegistryStore | None = None

    # -- plumbing -------------------------------------------------------------------------------
    @property
    def client(self) -> Any:
        if self._client_obj is None:
            mlflow = _mlflow()
            if self.tracking_uri.startswith("sqlite:///"):
                db = Path(self.tracking_uri[len("sqlite:///"):])
                db.parent.mkdir(parents=True, exist_ok=True)
            self._client_obj = mlflow.MlflowClient(tracking_uri=self.tracking_uri,
                                                   registry_uri=self.tracking_uri)
        return self._client_obj

    @property
    def _sql(self) -> SqlRegistryStore | None:
        """The direct reader of a SQL store (None: read through MLflow)."""
        if self.reads == "mlflow" or not is_sql_store(self.tracking_uri):
            return None
        if self._sql_obj is None:
            self._sql_obj = SqlRegistryStore(self.tracking_uri)
        return self._sql_obj

    def _experiment_id(self) -> str:
        found = self.client.get_experiment_by_name(self.experiment)
        if found is not None:
            return found.experiment_id
        return self.client.create_experiment(
            self.experiment, artifact_location=_local_artifact_root(self.tracking_uri))

    # -- write ----------------------------------------------------------------------------------
    def log_training_run(
        self, model: Any, *, name: str, data_hash: str, features: list[str] | tuple[str, ...],
        params: Mapping[str, Any] | None = None, seeds: Mapping[str, Any] | int | None = None,
        metrics: Mapping[str, Any] | None = None, artefacts: Mapping[str, Any] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> ModelVersion:
        """Record a training run (data hash, features, params, seeds, metrics, model), register it.

        ``artefacts`` maps an artefact name to a file path (copied) or to JSON-able data
        (written as ``<name>.json``). Returns the new :class:`ModelVersion`.
        """
        _mlflow()
        import mlflow.sklearn
        from mlflow.entities import Metric, Param, RunTag

        if not isinstance(name, str) or not name.strip():
            raise ValidationError("a registered model needs a name", field="name", value=name,
                                  fix="pass name='sp500_lgbm' (letters, digits, _ - .)")
        if not data_hash:
            raise ValidationError("the data hash is required", field="data_hash", value=data_hash,
                                  fix="pass the content hash of the training data")
        seeds = {"random_state": seeds} if isinstance(seeds, int) else dict(seeds or {})
        model_params = model.get_params(deep=False) if hasattr(model, "get_params") else {}
        meta = to_plain({
            "name": name, "data_hash": data_hash, "features": list(features),
            "params": dict(params or {}), "model_params": model_params, "seeds": seeds,
            "metrics": dict(metrics or {}),
            "model_class": f"{type(model).__module__}.{type(model).__qualname__}",
            "tags": dict(tags or {}),
        }, default=str)  # an estimator's own parameters may hold any object: kept as text
        all_params: dict[str, Any] = {"data_hash": data_hash, "n_features": len(meta["features"])}
        _flatten("", meta["params"], all_params)
        _flatten("model", meta["model_params"], all_params)
        _flatten("seed", seeds, all_params)
        flat_metrics: dict[str, Any] = {}
        _flatten("", meta["metrics"], flat_metrics)
        now = int(time.time() * 1000)
        run_tags = {"signaltrust.data_hash": data_hash, "signaltrust.model_class":
                    meta["model_class"], "signaltrust.registered_name": name,
                    **{str(k): str(v) for k, v in (tags or {}).items()}}
        client = self.client
        run = client.create_run(self._experiment_id(), run_name=name, tags=run_tags)
        run_id = run.info.run_id
        try:
            client.log_batch(
                run_id,
                metrics=[Metric(_key(k), float(v), now, 0) for k, v in flat_metrics.items()
                         if isinstance(v, (int, float)) and not isinstance(v, bool)
                         and math.isfinite(v)],
                params=[Param(_key(k), str(v)[:6000]) for k, v in all_params.items()],
            )
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp)
                sk_logger = logging.getLogger("mlflow.sklearn")
                level = sk_logger.level
                sk_logger.setLevel(logging.ERROR)  # the cloudpickle caution, said once in the docs
                try:
                    mlflow.sklearn.save_model(model, folder / "model",
                                              serialization_format="cloudpickle",
                                              pip_requirements=_requirements())
                finally:
                    sk_logger.setLevel(level)
                (folder / META_FILE).write_text(json.dumps(meta, indent=2))
                client.log_artifacts(run_id, str(folder / "model"), "model")
                client.log_artifact(run_id, str(folder / META_FILE))
                for art_name, art in (artefacts or {}).items():
                    if isinstance(art, (str, Path)) and Path(art).exists():
                        client.log_artifact(run_id, str(art), "artefacts")
                    else:
                        path = folder / f"{_key(art_name)}.json"
                        path.write_text(json.dumps(to_plain(art, default=str), indent=2))
                        client.log_artifact(run_id, str(path), "artefacts")
            client.log_batch(run_id, tags=[RunTag("signaltrust.features",
                                                  json.dumps(meta["features"])[:7999])])
        except Exception:
            client.set_terminated(run_id, "FAILED")
            raise
        client.set_terminated(run_id, "FINISHED")
        if not self._exists(name):
            client.create_registered_model(name, tags={"signaltrust": "true"})
        mv = client.create_model_version(name, source=f"{run.info.artifact_uri}/model",
                                         run_id=run_id, tags={"data_hash": data_hash})
        return self.get_model_version(name, int(mv.version))

    def promote(self, name: str, version: int | str, alias: str = "production") -> ModelVersion:
        """Point ``alias`` ("production", "staging", ...) at ``version`` of ``name``."""
        if not isinstance(alias, str) or not re.fullmatch(r"[A-Za-z_][\w\-]*", alias) or \
                re.fullmatch(r"[vV]\d+", alias) or alias.lower() == "latest":
            raise ValidationError("an alias is a word such as production or staging",
                                  field="alias", value=alias,
                                  fix="use --alias production or --alias staging")
        if len(alias) > 255:
            raise ValidationError("an alias has at most 255 characters", field="alias",
                                  value=alias, fix="use a shorter alias such as production")
        mv = self._resolve(name, _as_version(version))
        if self._sql is not None:
            self._sql.set_alias(name, alias, mv.version)
        else:
            self.client.set_registered_model_alias(name, alias, str(mv.version))
        return self.get_model_version(name, int(mv.version))

    # -- read -----------------------------------------------------------------------------------
    def _exists(self, name: str) -> bool:
        if self._sql is not None:
            return self._sql.exists(name)
        return bool(self.client.search_registered_models(filter_string=f"name = '{_q(name)}'"))

    def _names(self) -> list[str]:
        if self._sql is not None:
            return [m.name for m in self._sql.models()]
        return sorted(m.name for m in self._search_models())

    def _search_models(self) -> list[Any]:
        out, token = [], None
        while True:
            page = self.client.search_registered_models(max_results=100, page_token=token)
            out.extend(page)
            token = page.token
            if not token:
                return out

    def _versions(self, name: str) -> list[VersionRow]:
        if self._sql is not None:
            return self._sql.versions(name)
        found = self.client.search_model_versions(f"name = '{_q(name)}'")
        return sorted((VersionRow(version=int(v.version), run_id=v.run_id, source=v.source,
                                  created_ms=int(v.creation_timestamp)) for v in found),
                      key=lambda v: v.version)

    def _aliases(self, name: str) -> dict[str, int]:
        if self._sql is not None:
            return self._sql.aliases(name)
        return {a: int(v) for a, v in self.client.get_registered_model(name).aliases.items()}

    def _resolve(self, name: str, ref: int | str | None) -> VersionRow:
        if not self._exists(name):
            names = self._names()
            raise ModelNotFoundError(
                f"no registered model named {name!r}", field="name", value=name,
                fix=f"use one of: {', '.join(names)}" if names else
                "no model is registered yet: log one with log_training_run",
            )
        versions = self._versions(name)
        numbers = [v.version for v in versions]
        if ref is None:
            ref = numbers[-1]
        if isinstance(ref, int):
            for v in versions:
                if v.version == ref:
                    return v
            raise ModelNotFoundError(
                f"model {name!r} has no version {ref}", field="version", value=ref,
                fix=f"use one of the versions {numbers}")
        aliases = self._aliases(name)
        if ref not in aliases:
            raise ModelNotFoundError(
                f"model {name!r} has no alias {ref!r}", field="version", value=ref,
                fix=f"use a version {numbers} or an alias {sorted(aliases) or '(none set)'}")
        return self._resolve(name, int(aliases[ref]))

    def get_model_version(self, name: str, ref: int | str | None = None) -> ModelVersion:
        """One version by number, alias ("production") or, with ``ref=None``, the latest."""
        mv = self._resolve(name, _as_version(ref))
        run_tags, meta = self._run_record(mv.run_id)
        aliases = sorted(a for a, v in self._aliases(name).items() if v == mv.version)
        params = dict(meta.get("params", {}))
        params.update({f"model.{k}": v for k, v in meta.get("model_params", {}).items()})
        return ModelVersion(
            name=name, version=int(mv.version), run_id=mv.run_id, aliases=aliases,
            data_hash=meta["data_hash"], features=meta["features"], params=params,
            seeds=meta.get("seeds", {}), metrics=meta.get("metrics", {}),
            model_class=meta.get("model_class", ""),
            created=datetime.fromtimestamp(mv.created_ms / 1000, tz=UTC),
            source=mv.source, tags={k: v for k, v in run_tags.items()
                                    if not k.startswith("mlflow.")},
        )

    def _run_record(self, run_id: str) -> tuple[dict[str, str], dict[str, Any]]:
        """A run's tags and its ``signaltrust.json`` (read directly when the store allows)."""
        if self._sql is not None:
            artifact_uri, tags = self._sql.run(run_id)
            text = self._sql.read_artifact(artifact_uri, META_FILE)
            if text is not None:
                return tags, json.loads(text)
        else:
            tags = dict(self.client.get_run(run_id).data.tags)
        with tempfile.TemporaryDirectory() as tmp:  # a remote artefact store: MLflow fetches it
            path = self.client.download_artifacts(run_id, META_FILE, tmp)
            return tags, json.loads(Path(path).read_text())

    def load_model(self, name: str, ref: int | str | None = None) -> Any:
        """The fitted model of a version (number, alias or latest), ready to ``predict``."""
        _mlflow()
        import mlflow.sklearn

        mv = self._resolve(name, _as_version(ref))
        with tempfile.TemporaryDirectory() as tmp:
            local = self.client.download_artifacts(mv.run_id, "model", tmp)
            return mlflow.sklearn.load_model(local)

    def _local_store_missing(self) -> bool:
        """True for a local SQLite store that was never created (nothing is registered)."""
        uri = self.tracking_uri
        return uri.startswith("sqlite:///") and not Path(uri[len("sqlite:///"):]).exists()

    def list_models(self) -> list[RegisteredModel]:
        """Every registered model with its versions and aliases, by name (a local store that
        does not exist yet has none: MLflow is not started for it)."""
        if self._client_obj is None and self._local_store_missing():
            return []
        if self._sql is not None:
            rows = [(m.name, m.aliases, m.updated_ms) for m in self._sql.models()]
        else:
            rows = [(rm.name, {a: int(v) for a, v in rm.aliases.items()},
                     rm.last_updated_timestamp) for rm in self._search_models()]
        out = []
        for name, aliases, updated_ms in sorted(rows, key=lambda row: row[0]):
            numbers = [v.version for v in self._versions(name)]
            out.append(RegisteredModel(
                name=name, latest_version=numbers[-1] if numbers else 0, versions=numbers,
                aliases=dict(sorted(aliases.items())),
                updated=datetime.fromtimestamp(updated_ms / 1000, tz=UTC),
            ))
        return out


def _q(name: str) -> str:
    return str(name).replace("'", "\\'")


def _as_version(ref: int | str | None) -> int | str | None:
    if isinstance(ref, bool):
        raise ValidationError("a version is a number or an alias", field="version", value=ref,
                              fix="pass 3 or 'production'")
    if isinstance(ref, str) and ref.strip().isdigit():
        return int(ref.strip())
    return ref


# -- module-level shortcuts: one call on the registry at ``tracking_uri`` ------------------------
def log_training_run(model: Any, *, tracking_uri: str, **kwargs: Any) -> ModelVersion:
    """Record a training run and register the model (see :meth:`ModelRegistry.log_training_run`)."""
    return ModelRegistry(tracking_uri).log_training_run(model, **kwargs)


def list_models(*, tracking_uri: str) -> list[RegisteredModel]:
    """Every registered model (see :meth:`ModelRegistry.list_models`)."""
    return ModelRegistry(tracking_uri).list_models()


def get_model_version(name: str, ref: int | str | None = None, *,
                      tracking_uri: str) -> ModelVersion:
    """One model version by number, alias or latest (:meth:`ModelRegistry.get_model_version`)."""
    return ModelRegistry(tracking_uri).get_model_version(name, ref)


def load_model(name: str, ref: int | str | None = None, *, tracking_uri: str) -> Any:
    """The fitted model of a version (see :meth:`ModelRegistry.load_model`)."""
    return ModelRegistry(tracking_uri).load_model(name, ref)


def promote(name: str, version: int | str, alias: str = "production", *,
            tracking_uri: str) -> ModelVersion:
    """Point an alias at a version (see :meth:`ModelRegistry.promote`)."""
    return ModelRegistry(tracking_uri).promote(name, version, alias)
