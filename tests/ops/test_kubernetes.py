"""The Helm chart and its rendered defaults (deploy/k8s/): every manifest passes the Kubernetes
schemas (kubernetes-validate, strict), the chart's values pass values.schema.json, and the
deployment has what the issue asks: an autoscaled API with probes, nodes as a StatefulSet with
volumes, secrets only from existing Secrets, NetworkPolicies, non-root pods.

Rendering needs the ``helm`` binary (on PATH or beside the Python interpreter); without it those
tests skip, and the committed rendering in deploy/k8s/ is still validated."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy/helm/signaltrust"
RENDERED = ROOT / "deploy/k8s/signaltrust.yaml"
KUBERNETES = "1.31.0"


def _documents(text: str) -> list[dict]:
    return [d for d in yaml.safe_load_all(text) if d]


@pytest.fixture(scope="module")
def manifests() -> list[dict]:
    return _documents(RENDERED.read_text(encoding="utf-8"))


def _kind(manifests: list[dict], kind: str, suffix: str) -> dict:
    return next(m for m in manifests
                if m["kind"] == kind and m["metadata"]["name"].endswith(suffix))


def _helm() -> str:
    found = shutil.which("helm") or str(Path(sys.executable).with_name("helm"))
    if not Path(found).exists():
        pytest.skip("the helm binary is not installed; deploy/k8s/ is validated instead")
    return found


def _render(*sets: str) -> subprocess.CompletedProcess:
    args = [_helm(), "template", "signaltrust", str(CHART), "--namespace", "signaltrust"]
    for value in sets:
        args += ["--set", value]
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603


def _invalid(documents: list[dict]) -> list[str]:
    errors = []
    for document in documents:
        try:
            kubernetes_validate.validate(document, KUBERNETES, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{document['kind']}/{document['metadata']['name']}: {exc.message}")
    return errors


def test_manifests_when_validated_against_kubernetes_schemas_then_no_error(manifests):
    assert {m["kind"] for m in manifests} >= {"Deployment", "HorizontalPodAutoscaler",
                                              "StatefulSet", "NetworkPolicy", "Service"}
    assert _invalid(manifests) == []


def test_kubernetes_schema_when_a_field_is_misspelt_then_strict_validation_fails(manifests):
    broken = json.loads(json.dumps(_kind(manifests, "Deployment", "-api")))
    broken["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    assert _invalid([broken])


def test_api_when_deployed_then_autoscaled_with_https_health_and_ready_probes(manifests):
    api = _kind(manifests, "Deployment", "-api")
    hpa = _kind(manifests, "HorizontalPodAutoscaler", "-api")
    assert hpa["spec"]["scaleTargetRef"]["name"] == api["metadata"]["name"]
    assert "replicas" not in api["spec"]  # the autoscaler owns the count
    container = api["spec"]["template"]["spec"]["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["readinessProbe"]["httpGet"]["scheme"] == "HTTPS"
    assert container["args"][-2:] == ["--workers", "2"]


def test_nodes_when_deployed_then_a_statefulset_named_per_pod_with_a_volume_each(manifests):
    nodes = _kind(manifests, "StatefulSet", "-node")
    assert nodes["spec"]["replicas"] == 2
    assert nodes["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "home"
    container = nodes["spec"]["template"]["spec"]["containers"][0]
    assert container["args"][-2:] == ["--name", "$(POD_NAME)"]
    assert {"name": "home", "mountPath": "/var/lib/signaltrust"} in container["volumeMounts"]


def test_secrets_when_deployed_then_read_from_existing_secrets_never_written(manifests):
    assert not [m for m in manifests if m["kind"] == "Secret"]
    api = _kind(manifests, "Deployment", "-api")["spec"]["template"]["spec"]
    env = {e["name"]: e for e in api["containers"][0]["env"]}
    assert env["SIGNALTRUST__DATABASE__URL"]["valueFrom"]["secretKeyRef"]["name"] == "signaltrust"
    assert env["SIGNALTRUST__API__SECRET_KEY"]["valueFrom"]["secretKeyRef"]["key"]
    assert api["volumes"][-1]["secret"]["secretName"] == "signaltrust-tls"


def test_pods_when_deployed_then_non_root_read_only_without_capabilities(manifests):
    for workload in (m for m in manifests if m["kind"] in ("Deployment", "StatefulSet")):
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"]:
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]


def test_network_policy_when_deployed_then_only_the_api_port_is_reachable(manifests):
    default = _kind(manifests, "NetworkPolicy", "-default")
    assert default["spec"]["ingress"] == []
    api = _kind(manifests, "NetworkPolicy", "-api")
    assert api["spec"]["ingress"][0]["ports"] == [{"port": 8000, "protocol": "TCP"}]


def test_nodes_and_scheduler_when_deployed_then_their_metrics_port_is_served_and_reachable(
        manifests):
    port = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))["metrics"]["port"]
    for kind, suffix in (("StatefulSet", "-node"), ("Deployment", "-scheduler"),
                         ("Deployment", "-worker")):
        container = _kind(manifests, kind, suffix)["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env["SIGNALTRUST__METRICS__PORT"] == str(port)
        assert env["SIGNALTRUST__METRICS__HOST"] == "0.0.0.0"  # noqa: S104 (inside the pod)
        assert {"name": "metrics", "containerPort": port, "protocol": "TCP"} in container["ports"]
    api = _kind(manifests, "Deployment", "-api")["spec"]["template"]["spec"]["containers"][0]
    assert "SIGNALTRUST__METRICS__PORT" not in {e["name"] for e in api["env"]}
    assert _kind(manifests, "Service", "-node")["spec"]["ports"][0]["port"] == port
    policy = _kind(manifests, "NetworkPolicy", "-metrics")
    assert policy["spec"]["ingress"] == [{"ports": [{"port": port, "protocol": "TCP"}]}]
    selected = policy["spec"]["podSelector"]["matchExpressions"]
    assert {"key": "app.kubernetes.io/component", "operator": "In",
            "values": ["node", "scheduler", "worker"]} in selected


def test_values_when_validated_against_the_chart_schema_then_defaults_pass_and_latest_fails():
    schema = json.loads((CHART / "values.schema.json").read_text(encoding="utf-8"))
    values = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(values)
    values["image"]["tag"] = "latest"
    assert list(jsonschema.Draft7Validator(schema).iter_errors(values))


def test_chart_when_rendered_with_defaults_then_it_equals_deploy_k8s():
    result = _render()
    assert result.returncode == 0, result.stderr
    assert _documents(result.stdout) == _documents(RENDERED.read_text(encoding="utf-8"))


def test_scheduler_when_deployed_then_one_pod_replaced_never_overlapped(manifests):
    scheduler = _kind(manifests, "Deployment", "-scheduler")
    assert scheduler["spec"]["replicas"] == 1
    assert scheduler["spec"]["strategy"]["type"] == "Recreate"
    container = scheduler["spec"]["template"]["spec"]["containers"][0]
    assert container["args"][:2] == ["loop", "run"]
    assert "backup=signaltrust.cli.backup:backup_job" in container["args"]


def test_worker_when_deployed_then_it_runs_the_jobs_the_api_queues(manifests):
    worker = _kind(manifests, "Deployment", "-worker")
    assert worker["spec"]["replicas"] == 1
    container = worker["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["jobs", "work"]
    api = _kind(manifests, "Deployment", "-api")["spec"]["template"]["spec"]["containers"][0]
    for env in (container["env"], api["env"]):
        assert {"name": "SIGNALTRUST__JOBS__BACKEND", "value": "queue"} in env


def test_chart_when_a_worker_is_turned_on_then_it_renders_valid_without_an_autoscaler():
    result = _render("worker.enabled=true", "worker.args={jobs,work}",
                     "api.autoscaling.enabled=false")
    assert result.returncode == 0, result.stderr
    documents = _documents(result.stdout)
    assert _invalid(documents) == []
    assert _kind(documents, "Deployment", "-worker")["spec"]["replicas"] == 1
    assert not [d for d in documents if d["kind"] == "HorizontalPodAutoscaler"]


def test_chart_when_a_component_is_on_without_a_command_then_rendering_fails():
    result = _render("worker.enabled=true", "worker.args={}")  # on by default, args emptied
    assert result.returncode != 0
    assert "worker.args" in result.stderr


def test_chart_when_linted_then_no_failure():
    result = subprocess.run([_helm(), "lint", str(CHART)], capture_output=True, text=True,  # noqa: S603
                            timeout=60, check=False)
    assert result.returncode == 0, result.stdout
