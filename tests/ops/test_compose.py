"""``docker-compose.yml``: valid against the Compose Specification's schema (vendored, see
SOURCES.md), with every service the deployment needs and every file it mounts in the repository."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((Path(__file__).with_name("compose-spec.json")).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def _errors(document: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(SCHEMA)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(document)]


def test_compose_when_validated_against_the_compose_spec_then_no_error(compose):
    assert _errors(compose) == []


def test_compose_spec_when_a_service_has_an_unknown_key_then_it_is_refused(compose):
    broken = copy.deepcopy(compose)
    broken["services"]["api"]["restart_policy"] = "always"  # a deploy: key, not a service key
    assert any("restart_policy" in e for e in _errors(broken))


def test_compose_when_read_then_it_runs_every_part_of_the_platform(compose):
    services = compose["services"]
    assert {"api", "node-a", "node-b", "scheduler", "postgres", "redis", "nats", "mlflow",
            "prometheus", "grafana"} <= set(services)
    assert services["scheduler"]["command"][:2] == ["loop", "run"]
    assert "deploy" not in services["scheduler"]  # one scheduler: never scaled
    assert services["api"]["command"][-2:] == ["--workers", "2"]
    assert "--jetstream" in services["nats"]["command"]
    commands = [services[n]["command"] for n in ("node-a", "node-b")]
    names = {c[c.index("--name") + 1] for c in commands}
    assert names == {"node-a", "node-b"}


def test_compose_when_read_then_nodes_and_api_share_postgres_and_nats(compose):
    envs = [compose["services"][n]["environment"]
            for n in ("api", "node-a", "node-b", "scheduler")]
    assert len({e["SIGNALTRUST__DATABASE__URL"] for e in envs}) == 1
    assert all(e["SIGNALTRUST__DATABASE__URL"].startswith("postgresql+psycopg://") for e in envs)
    assert all(e["SIGNALTRUST__BUS__BACKEND"] == "nats" for e in envs)


def test_compose_when_read_then_a_job_worker_runs_the_jobs_the_api_queues(compose):
    services = compose["services"]
    worker, api = services["worker"], services["api"]
    assert worker["command"][:2] == ["jobs", "work"]
    assert api["environment"]["SIGNALTRUST__JOBS__BACKEND"] == "queue"
    assert worker["environment"]["SIGNALTRUST__JOBS__BACKEND"] == "queue"
    assert (worker["environment"]["SIGNALTRUST__DATABASE__URL"]
            == api["environment"]["SIGNALTRUST__DATABASE__URL"])
    # the files jobs write (tearsheets) land in the home the API serves them from
    assert "api-home:/var/lib/signaltrust" in worker["volumes"]
    assert "api-home:/var/lib/signaltrust" in api["volumes"]
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    scraped = [t for job in config["scrape_configs"] for group in job["static_configs"]
               for t in group["targets"]]
    assert "worker:9100" in scraped and worker["environment"]["SIGNALTRUST__METRICS__PORT"]


def test_compose_when_read_then_references_resolve_and_mounted_files_exist(compose):
    services = compose["services"]
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, (name, dependency)
        for secret in service.get("secrets", []):
            source = secret if isinstance(secret, str) else secret["source"]
            assert source in compose["secrets"], (name, source)
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), (name, source)
            else:
                assert source in compose["volumes"], (name, source)


def test_compose_when_read_then_no_password_is_written_in_it(compose):
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    for service in compose["services"].values():
        for key, value in (service.get("environment") or {}).items():
            if "PASSWORD" in key or "SECRET" in key:
                assert str(value).startswith("${"), key
    assert "postgresql+psycopg://signaltrust:${POSTGRES_PASSWORD" in text


def _exported(tmp_path: Path) -> set[str]:
    """Every metric a SignalTrust process exports: the API's (with the job runner's and the
    figures read from the database), a node's, and the scheduler's learning-loop figures."""
    from prometheus_client import CollectorRegistry

    from signaltrust.api.ops import ApiMetrics
    from signaltrust.ops.metrics import LearningCollector, NodeMetrics
    from signaltrust.storage import Database

    database = Database(f"sqlite:///{tmp_path / 'app.db'}")
    database.upgrade()
    api = ApiMetrics()
    api.watch(database)
    api.job_metrics()
    learning = CollectorRegistry()
    learning.register(LearningCollector(database))
    try:
        return {m.name for registry in (api.registry, NodeMetrics().registry, learning)
                for m in registry.collect()}
    finally:
        database.dispose()


def test_grafana_dashboard_when_read_then_every_metric_it_plots_is_one_a_process_exports(
        tmp_path):
    exported = _exported(tmp_path)
    dashboard = json.loads((ROOT / "deploy/grafana/dashboards/signaltrust.json").read_text())
    plotted = set()
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            plotted |= set(re.findall(r"signaltrust_[a-z_]+", target["expr"]))
    bases = {re.sub(r"_(total|bucket|sum|count)$", "", name) for name in plotted}
    assert bases and bases <= exported, bases - exported
    assert {"signaltrust_orders", "signaltrust_fills", "signaltrust_api_request_seconds",
            "signaltrust_jobs", "signaltrust_node_steps", "signaltrust_node_bar_to_order_seconds",
            "signaltrust_node_journal_commit_seconds", "signaltrust_jobs_finished",
            "signaltrust_job_seconds", "signaltrust_agent_llm_calls",
            "signaltrust_agent_llm_tokens", "signaltrust_agent_llm_cost_usd",
            "signaltrust_agent_fallbacks", "signaltrust_learning_predictions_logged",
            "signaltrust_learning_promotion_decisions",
            "signaltrust_learning_job_firings"} <= bases


def test_prometheus_config_when_read_then_it_scrapes_each_node_and_the_scheduler(compose):
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    targets = {job["job_name"]: [t for group in job["static_configs"] for t in group["targets"]]
               for job in config["scrape_configs"]}
    assert targets["signaltrust-nodes"] == ["node-a:9100", "node-b:9100"]
    assert targets["signaltrust-scheduler"] == ["scheduler:9100"]
    for service in ("node-a", "node-b", "scheduler"):
        env = compose["services"][service]["environment"]
        assert env["SIGNALTRUST__METRICS__PORT"] == "9100"
        assert env["SIGNALTRUST__METRICS__HOST"] == "0.0.0.0"  # reachable from Prometheus


def test_prometheus_config_when_read_then_it_scrapes_the_api_with_a_key_over_https():
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    api = next(j for j in config["scrape_configs"] if j["job_name"] == "signaltrust-api")
    assert api["scheme"] == "https" and api["metrics_path"] == "/metrics"
    assert api["authorization"]["credentials_file"] == "/etc/prometheus/api_key"
