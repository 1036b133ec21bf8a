"""deploy/k8s: the generated files are current, and every overlay builds with kustomize into
resources that Kubernetes 1.33's API schemas accept (strict: no unknown field).

The operators' resources (Strimzi's Kafka, KafkaNodePool, KafkaTopic; CloudNativePG's Cluster,
Database) are checked by the fields Mercato relies on: their CRD schemas could not be had from
the registries reachable here (docs/deploy.md).
"""

from __future__ import annotations

import importlib.util
import subprocess
from collections import Counter
from functools import cache
from typing import Any

import kubernetes_validate
import pytest
import yaml

from mercato_kit.events import all_topics
from tests.deploy.support import ROOT, TOOLS, tool

KUBERNETES_VERSION = "1.33.0"
OVERLAYS = ["dev", "dev/migrations", "production", "production/migrations"]
OPERATOR_GROUPS = ("kafka.strimzi.io/", "postgresql.cnpg.io/")
SERVICES = [
    "identity",
    "catalog",
    "orders",
    "payments",
    "logistics",
    "ledger",
    "marketing",
    "marketing-traffic",
    "platform",
]


@cache
def _build(overlay: str) -> list[dict[str, Any]]:
    done = subprocess.run(
        [
            str(tool(TOOLS / "bin" / "kustomize")),
            "build",
            str(ROOT / "deploy/k8s/overlays" / overlay),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def _of(documents: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in documents if doc["kind"] == kind}


def test_the_generated_files_are_current() -> None:
    spec = importlib.util.spec_from_file_location("generate", ROOT / "deploy/k8s/generate.py")
    assert spec is not None
    assert spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)

    stale = [
        str(path.relative_to(ROOT))
        for path, content in generate.files().items()
        if not path.exists() or path.read_text() != content
    ]

    assert stale == [], "run `make k8s`"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_overlay_builds_into_resources_the_kubernetes_api_accepts(overlay: str) -> None:
    documents = _build(overlay)
    built_in = [d for d in documents if not d["apiVersion"].startswith(OPERATOR_GROUPS)]

    problems = []
    for document in built_in:
        try:
            kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            problems.append(f"{document['kind']}/{document['metadata']['name']}: {exc.message}")

    assert built_in
    assert problems == []


@pytest.mark.parametrize("overlay", ["dev", "production"])
def test_each_service_has_its_deployment_probes_budget_autoscaler_and_policy(
    overlay: str,
) -> None:
    documents = _build(overlay)
    kinds = ("Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler")

    for kind in (*kinds, "NetworkPolicy"):
        assert set(SERVICES) <= set(_of(documents, kind)), kind
    for name, deployment in _of(documents, "Deployment").items():
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        assert "grpc" in container["readinessProbe"], name
        assert "grpc" in container["livenessProbe"], name
        assert container["securityContext"]["readOnlyRootFilesystem"] is True, name
        assert container["resources"]["requests"], name


@pytest.mark.parametrize("overlay", ["dev", "production"])
def test_one_kafka_topic_per_registry_topic_with_the_partitions_the_services_are_told(
    overlay: str,
) -> None:
    documents = _build(overlay)
    [config] = _of(documents, "ConfigMap").values()
    partitions = int(config["data"]["KAFKA_TOPIC_PARTITIONS"])
    topics = {
        doc["spec"]["topicName"]: doc["spec"] for doc in _of(documents, "KafkaTopic").values()
    }

    assert set(topics) == {spec.name for spec in all_topics(partitions)}
    assert Counter(spec["partitions"] for spec in topics.values()) == {partitions: len(topics)}
    assert {spec["replicas"] for spec in topics.values()} == {3}
    assert {spec["config"]["min.insync.replicas"] for spec in topics.values()} == {2}


def test_the_operators_resources_have_what_mercato_relies_on() -> None:
    documents = _build("production")
    [kafka] = _of(documents, "Kafka").values()
    [pool] = _of(documents, "KafkaNodePool").values()
    [cluster] = _of(documents, "Cluster").values()
    databases = _of(documents, "Database")

    assert kafka["spec"]["kafka"]["config"]["min.insync.replicas"] == 2
    assert pool["spec"]["replicas"] >= 3
    assert set(pool["spec"]["roles"]) == {"controller", "broker"}
    roles = {role["name"] for role in cluster["spec"]["managed"]["roles"]}
    assert {db["spec"]["owner"] for db in databases.values()} == roles
    assert {db["spec"]["cluster"]["name"] for db in databases.values()} == {
        cluster["metadata"]["name"]
    }
    assert len(databases) == len(SERVICES) - 1  # marketing-traffic keeps its state in Kafka


def test_a_migration_job_per_service_with_a_database_migrates_only() -> None:
    jobs = _of(_build("production/migrations"), "Job")

    assert len(jobs) == len(SERVICES) - 1
    for name, job in jobs.items():
        [container] = job["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env["MERCATO_MIGRATE_ONLY"] == "true", name
        assert container["image"].startswith("registry.mercato.internal/"), name


@pytest.mark.parametrize("overlay", ["dev", "production"])
def test_callers_address_a_headless_service_so_each_call_is_balanced_over_the_pods(
    overlay: str,
) -> None:
    documents = _build(overlay)
    services = _of(documents, "Service")
    [config] = _of(documents, "ConfigMap").values()
    addresses = [config["data"]["IDENTITY_GRPC_ADDR"]]
    for deployment in _of(documents, "Deployment").values():
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        addresses += [
            env["value"]
            for env in container["env"]
            if env["name"].endswith("_ADDR")
            and not env["name"].endswith(("_GRPC_ADDR", "_HTTP_ADDR", "HEALTH_ADDR"))
        ]

    assert len(addresses) > 1
    for address in addresses:
        assert address.startswith("dns:///"), address
        host, port = address.removeprefix("dns:///").rsplit(":", 1)
        service = services[host]
        assert service["spec"]["clusterIP"] == "None", host
        assert int(port) in {p["port"] for p in service["spec"]["ports"]}, address
