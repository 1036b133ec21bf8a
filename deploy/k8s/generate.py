"""Write the generated parts of deploy/k8s from the code: `make k8s` (`--check`: fail when stale).

- `overlays/<env>/topics.yaml`: one Strimzi `KafkaTopic` per topic of the kit's one registry
  (`mercato_kit.events.all_topics`: every aggregate kind's topic and its dead-letter topic),
  with the overlay's partitions, 3 replicas and the kit's `min.insync.replicas`;
- `base/services/<service>.yaml`: each service's Deployment, Service, PodDisruptionBudget,
  HorizontalPodAutoscaler and NetworkPolicy (the calls it makes, from `CALLS` below), and a
  headless Service (`<service>-headless`) that callers address by `dns:///` to balance per call;
- `base/postgres/`: the CloudNativePG `Cluster` with a login role per service, and a `Database`
  per service owned by that role;
- `base/migrations/jobs.yaml`: the Job per service that migrates its database before a release.

Names, ports and partitions come from here and from the kit, never typed twice.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from mercato_kit.events import all_topics
from mercato_kit.messaging._provisioning import min_insync_replicas

ROOT = Path(__file__).resolve().parent

PORTS: dict[str, int] = {
    "identity": 50051,
    "catalog": 50052,
    "orders": 50053,
    "payments": 50054,
    "logistics": 50055,
    "marketing": 50056,
    "ledger": 50057,
    "platform": 50058,
    "marketing-traffic": 50060,
}
"""Each service's gRPC port: its settings' default (services/<name>/.../settings.py)."""

IMAGES = {name: "marketing" if name == "marketing-traffic" else name for name in PORTS}
DATABASES = [name for name in PORTS if name != "marketing-traffic"]
"""marketing-traffic keeps its state in Kafka (faust tables), not in a database."""

CALLS: dict[str, list[str]] = {
    "orders": ["catalog", "payments", "logistics"],  # the saga (ORDERS_*_ADDR)
    "marketing": ["catalog"],  # products at launch (MARKETING_CATALOG_ADDR)
    "platform": ["payments"],  # app-store charges (PLATFORM_APP_STORE_PAYMENTS_ADDR)
}
"""Who calls whom over gRPC, besides every service fetching signing keys from identity."""

HTTP_PORTS = {"marketing": 8086, "platform": 8088}
"""Services with an HTTP face (the click endpoint; the partner API and webhooks' feed)."""

TOPIC_PARTITIONS = {"dev": 3, "production": 48}
"""Partitions per topic in each overlay (docs/deploy.md's capacity plan for production); the
overlay's ConfigMap sets the same KAFKA_TOPIC_PARTITIONS (tests/deploy checks they agree)."""

KAFKA_CLUSTER = "mercato"
POSTGRES_CLUSTER = "mercato-pg"
EXTERNAL_WEBHOOKS = {"platform"}
"""Services that call partners' HTTPS endpoints outside the cluster."""


def _labels(name: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "mercato"}


def _selector(name: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name}


def _env(name: str) -> list[dict[str, Any]]:
    prefix = name.upper().replace("-", "_")
    port = PORTS[name]
    env: list[dict[str, Any]] = [
        {"name": "MERCATO_SERVICE", "value": name},
        {"name": f"{prefix}_GRPC_ADDR", "value": f"0.0.0.0:{port}"},
        {"name": "MERCATO_HEALTH_ADDR", "value": f"127.0.0.1:{port}"},
    ]
    if name in DATABASES:
        secret = f"mercato-db-{name}"
        env += [
            _from_secret("DB_USER", secret, "username"),
            _from_secret("DB_PASSWORD", secret, "password"),
            {
                "name": f"{prefix}_DATABASE_URL",
                "value": f"postgresql+psycopg://$(DB_USER):$(DB_PASSWORD)@{POSTGRES_CLUSTER}-rw"
                f":5432/{name.replace('-', '_')}",
            },
        ]
    if name != "identity":
        env.append({"name": f"{prefix}_CONSUMER_GROUP_PREFIX", "value": name})
    for callee in CALLS.get(name, []):
        variable = (
            "PLATFORM_APP_STORE_PAYMENTS_ADDR"
            if name == "platform"
            else f"{prefix}_{callee.upper()}_ADDR"
        )
        env.append({"name": variable, "value": peer_address(callee)})
    if name in HTTP_PORTS:
        env.append({"name": f"{prefix}_HTTP_ADDR", "value": f"0.0.0.0:{HTTP_PORTS[name]}"})
    return env


def peer_address(callee: str) -> str:
    """A caller's address for `callee`: its headless Service by `dns:///`, so the kit's channels
    resolve every ready pod and balance each call over them (a ClusterIP name is one virtual IP:
    one connection, balanced per connection, not per call)."""
    return f"dns:///{callee}-headless:{PORTS[callee]}"


def _from_secret(variable: str, secret: str, key: str) -> dict[str, Any]:
    return {"name": variable, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def _container(name: str, *, migrate: bool = False) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": name,
        "image": f"mercato/{IMAGES[name]}",
        "envFrom": [
            {"configMapRef": {"name": "mercato-config"}},
            {"secretRef": {"name": "mercato-secrets", "optional": True}},
        ],
        "env": _env(name)
        + ([{"name": "MERCATO_MIGRATE_ONLY", "value": "true"}] if migrate else []),
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],  # noqa: S108 (the pod's tmpfs)
        "resources": {
            "requests": {"cpu": "250m", "memory": "256Mi"},
            "limits": {"memory": "512Mi"},
        },
    }
    if name == "marketing-traffic":
        container["command"] = ["marketing-traffic"]
    if migrate:
        return container
    port = PORTS[name]
    container["ports"] = [{"name": "grpc", "containerPort": port}] + (
        [{"name": "http", "containerPort": HTTP_PORTS[name]}] if name in HTTP_PORTS else []
    )
    container["readinessProbe"] = {"grpc": {"port": port}, "periodSeconds": 5}
    container["livenessProbe"] = {
        "grpc": {"port": port},
        "initialDelaySeconds": 20,
        "periodSeconds": 10,
        "failureThreshold": 6,
    }
    return container


def _pod_spec(containers: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "runAsGroup": 10001,
            "fsGroup": 10001,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "automountServiceAccountToken": False,
        "containers": containers,
        "volumes": [{"name": "tmp", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}}],
    }


def service_documents(name: str) -> list[dict[str, Any]]:
    """Deployment, Service, headless Service, PodDisruptionBudget, HorizontalPodAutoscaler,
    NetworkPolicy."""
    labels, selector, port = _labels(name), _selector(name), PORTS[name]
    pod = _pod_spec([_container(name)])
    pod["terminationGracePeriodSeconds"] = 30  # the kit drains in-flight calls on SIGTERM
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": selector},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
            },
            "template": {"metadata": {"labels": labels}, "spec": pod},
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "selector": selector,
            "ports": [{"name": "grpc", "port": port, "targetPort": "grpc"}]
            + (
                [{"name": "http", "port": HTTP_PORTS[name], "targetPort": "http"}]
                if name in HTTP_PORTS
                else []
            ),
        },
    }
    headless = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": f"{name}-headless", "labels": labels},
        "spec": {
            "clusterIP": "None",
            "selector": selector,
            "ports": [{"name": "grpc", "port": port, "targetPort": "grpc"}],
        },
    }
    budget = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "labels": labels},
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector}},
    }
    autoscaler = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": 2,
            "maxReplicas": 12,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 70},
                    },
                }
            ],
        },
    }
    return [deployment, service, headless, budget, autoscaler, _network_policy(name)]


def _network_policy(name: str) -> dict[str, Any]:
    callers = sorted(caller for caller, callees in CALLS.items() if name in callees)
    if name == "identity":
        callers = sorted(other for other in PORTS if other != "identity")
    ports = [{"protocol": "TCP", "port": PORTS[name]}] + (
        [{"protocol": "TCP", "port": HTTP_PORTS[name]}] if name in HTTP_PORTS else []
    )
    ingress: list[dict[str, Any]] = []
    if name != "marketing-traffic":
        ingress.append(
            {
                "from": [
                    *({"podSelector": {"matchLabels": _selector(c)}} for c in callers),
                    # The edge (API gateway / ingress controller) in a namespace so labelled.
                    {"namespaceSelector": {"matchLabels": {"mercato.io/edge": "true"}}},
                ],
                "ports": ports,
            }
        )
    callees = ["identity", *CALLS.get(name, [])] if name != "identity" else []
    egress: list[dict[str, Any]] = [
        {
            "to": [
                {"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}
            ],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        },
        {
            "to": [{"podSelector": {"matchLabels": {"strimzi.io/cluster": KAFKA_CLUSTER}}}],
            "ports": [{"protocol": "TCP", "port": 9092}],
        },
        *(
            {
                "to": [{"podSelector": {"matchLabels": _selector(callee)}}],
                "ports": [{"protocol": "TCP", "port": PORTS[callee]}],
            }
            for callee in callees
        ),
    ]
    if name in DATABASES:
        egress.append(
            {
                "to": [{"podSelector": {"matchLabels": {"cnpg.io/cluster": POSTGRES_CLUSTER}}}],
                "ports": [{"protocol": "TCP", "port": 5432}],
            }
        )
    if name in EXTERNAL_WEBHOOKS:
        egress.append(
            {
                "to": [
                    {
                        "ipBlock": {
                            "cidr": "0.0.0.0/0",
                            "except": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
                        }
                    }
                ],
                "ports": [{"protocol": "TCP", "port": 443}],
            }
        )
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "labels": _labels(name)},
        "spec": {
            "podSelector": {"matchLabels": _selector(name)},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": ingress,
            "egress": egress,
        },
    }


def migration_jobs() -> list[dict[str, Any]]:
    """One Job per service with a database: the new image, MERCATO_MIGRATE_ONLY=true."""
    jobs = []
    for name in DATABASES:
        pod = _pod_spec([_container(name, migrate=True)])
        pod["restartPolicy"] = "OnFailure"
        jobs.append(
            {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "metadata": {"name": f"migrate-{name}", "labels": _labels(f"migrate-{name}")},
                "spec": {
                    "backoffLimit": 3,
                    "activeDeadlineSeconds": 600,
                    "ttlSecondsAfterFinished": 3600,
                    "template": {"metadata": {"labels": _labels(f"migrate-{name}")}, "spec": pod},
                },
            }
        )
    return jobs


def databases() -> list[dict[str, Any]]:
    """A CloudNativePG Database per service, owned by the service's own role."""
    return [
        {
            "apiVersion": "postgresql.cnpg.io/v1",
            "kind": "Database",
            "metadata": {"name": f"mercato-{name}"},
            "spec": {
                "name": name.replace("-", "_"),
                "owner": name.replace("-", "_"),
                "cluster": {"name": POSTGRES_CLUSTER},
            },
        }
        for name in DATABASES
    ]


def managed_roles() -> list[dict[str, Any]]:
    """The Cluster's `spec.managed.roles`: one login role per service, its password from the
    service's Secret `mercato-db-<service>` (basic-auth: username, password)."""
    return [
        {
            "name": name.replace("-", "_"),
            "ensure": "present",
            "login": True,
            "passwordSecret": {"name": f"mercato-db-{name}"},
        }
        for name in DATABASES
    ]


def postgres_cluster() -> dict[str, Any]:
    """The CloudNativePG Cluster: three instances (a primary, two streaming replicas), a login
    role per service (`managed_roles`); overlays set instances and storage."""
    return {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Cluster",
        "metadata": {"name": POSTGRES_CLUSTER},
        "spec": {
            "instances": 3,
            "imageName": "ghcr.io/cloudnative-pg/postgresql:16",
            "primaryUpdateStrategy": "unsupervised",
            "storage": {"size": "50Gi"},
            "postgresql": {"parameters": {"max_connections": "400"}},
            "resources": {
                "requests": {"cpu": "1", "memory": "2Gi"},
                "limits": {"memory": "2Gi"},
            },
            "managed": {"roles": managed_roles()},
        },
    }


def topics(partitions: int) -> list[dict[str, Any]]:
    """One KafkaTopic per topic of the kit's registry."""
    replicas = 3
    return [
        {
            "apiVersion": "kafka.strimzi.io/v1beta2",
            "kind": "KafkaTopic",
            "metadata": {
                "name": spec.name.replace(".", "-").replace("_", "-"),
                "labels": {"strimzi.io/cluster": KAFKA_CLUSTER},
            },
            "spec": {
                "topicName": spec.name,
                "partitions": partitions,
                "replicas": replicas,
                "config": {"min.insync.replicas": min_insync_replicas(replicas)},
            },
        }
        for spec in all_topics(partitions)
    ]


HEADER = "# Generated by deploy/k8s/generate.py (make k8s): edit the generator, not this file.\n"


def _dump(documents: list[dict[str, Any]]) -> str:
    return HEADER + yaml.safe_dump_all(documents, sort_keys=False, width=100)


def files() -> dict[Path, str]:
    """Every generated file and its content."""
    out = {
        ROOT / "base" / "services" / f"{name}.yaml": _dump(service_documents(name))
        for name in PORTS
    }
    out[ROOT / "base" / "postgres" / "databases.yaml"] = _dump(databases())
    out[ROOT / "base" / "postgres" / "cluster.yaml"] = _dump([postgres_cluster()])
    out[ROOT / "base" / "migrations" / "jobs.yaml"] = _dump(migration_jobs())
    for overlay, partitions in TOPIC_PARTITIONS.items():
        out[ROOT / "overlays" / overlay / "topics.yaml"] = _dump(topics(partitions))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when a file is stale")
    args = parser.parse_args()
    stale = []
    for path, content in files().items():
        if path.exists() and path.read_text() == content:
            continue
        if args.check:
            stale.append(str(path.relative_to(ROOT.parent.parent)))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    if stale:
        print("stale (run `make k8s`): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
