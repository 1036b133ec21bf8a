"""Real Apache Kafka (KRaft): one broker or a cluster of them, fetched from Maven Central."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from mercato_localinfra._errors import InfraError
from mercato_localinfra._process import (
    pid_alive,
    port_open,
    run,
    sticky_ports,
    tail,
    terminate,
)

KAFKA_VERSION = "4.1.2"
"""The broker version `mercato infra` runs (see resources/pom.xml)."""

_READY_TIMEOUT = 90.0


@dataclass(frozen=True)
class KafkaProcess:
    """A running broker: its pid, client port and controller port."""

    pid: int
    port: int
    controller_port: int

    @property
    def bootstrap_servers(self) -> str:
        """The address clients connect to."""
        return f"127.0.0.1:{self.port}"


class LocalKafka:
    """Installs, starts and stops one broker whose files live under `home`.

    The jars are cached in `cache_dir` (outside git) and fetched only once per version.
    """

    def __init__(
        self, home: Path, cache_dir: Path, heap: str = "512m", *, node_id: int = 1
    ) -> None:
        self.home = home
        self.cache_dir = cache_dir
        self.heap = heap
        self.node_id = node_id

    @property
    def libs_dir(self) -> Path:
        """Where the broker's jars are cached."""
        return self.cache_dir / f"kafka-{KAFKA_VERSION}" / "libs"

    @property
    def log_path(self) -> Path:
        """The broker's log file."""
        return self.home / "server.log"

    def installed(self) -> bool:
        """True when the jars for this version are already cached."""
        return (self.libs_dir / ".complete").exists()

    @property
    def tools_dir(self) -> Path:
        """Where Kafka's performance tools (kafka-tools and its dependencies) are cached."""
        return self.cache_dir / f"kafka-{KAFKA_VERSION}" / "tools-libs"

    def install(self) -> None:
        """Fetch the broker and a logging backend from Maven Central (once)."""
        self._fetch("pom.xml", self.libs_dir, "kafka_2.13-*.jar")

    def install_tools(self) -> None:
        """Fetch ProducerPerformance / ConsumerPerformance (kafka-tools) for benchmarks (once)."""
        self.install()
        self._fetch("tools-pom.xml", self.tools_dir, "kafka-tools-*.jar")

    def tools_classpath(self) -> str:
        """A Java classpath with the tools and the broker's logging backend."""
        self.install_tools()
        return f"{self.tools_dir}/*:{self.libs_dir}/*"

    def _fetch(self, pom_name: str, target: Path, expect: str) -> None:
        if (target / ".complete").exists():
            return
        java = java_major_version()
        if java is None or java < 17:
            raise InfraError(
                f"Kafka {KAFKA_VERSION} needs Java 17 or newer on PATH (found: {java or 'none'}); "
                "install one, e.g. apt-get install openjdk-17-jre-headless"
            )
        mvn = shutil.which("mvn")
        if mvn is None:
            raise InfraError("fetching Kafka needs Maven: install it (e.g. apt-get install maven)")
        staging = target.with_name(target.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        # Maven writes target/ beside the POM: build from a copy in the cache, not the package.
        build_dir = self.cache_dir / "maven-build" / pom_name.removesuffix(".xml")
        build_dir.mkdir(parents=True, exist_ok=True)
        pom = build_dir / "pom.xml"
        pom.write_text((resources.files(__package__) / "resources" / pom_name).read_text())
        run(
            [
                mvn,
                "-q",
                "-B",
                "-f",
                str(pom),
                f"-Dkafka.version={KAFKA_VERSION}",
                f"-Dkafka.libs={staging}",
                "dependency:copy-dependencies",
            ],
            what=f"fetching Apache Kafka {KAFKA_VERSION} ({pom_name}) from Maven Central",
        )
        if not any(staging.glob(expect)):
            raise InfraError(f"Maven finished but no {expect} is in {staging}")
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
        (target / ".complete").write_text(KAFKA_VERSION + "\n")

    def _java(self, main: str, *args: str, extra_jvm: tuple[str, ...] = ()) -> list[str]:
        with resources.as_file(
            resources.files(__package__) / "resources" / "log4j2.properties"
        ) as log_config:
            log4j = f"-Dlog4j2.configurationFile={log_config}"
        return [
            "java",
            f"-Xmx{self.heap}",
            "-Xms128m",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            log4j,
            *extra_jvm,
            "-cp",
            f"{self.libs_dir}/*",
            main,
            *args,
        ]

    def _cluster_id(self) -> str:
        path = self.home / "cluster.id"
        if path.exists():
            return path.read_text().strip()
        cluster_id = random_cluster_id()
        path.write_text(cluster_id + "\n")
        return cluster_id

    def reserve_ports(self, taken: Collection[int] = ()) -> tuple[int, int]:
        """The node's client and controller ports: the ones it had last time when free."""
        self.home.mkdir(parents=True, exist_ok=True)
        port, controller_port = sticky_ports(self.home / "ports", 2, taken)
        return port, controller_port

    def start(self) -> KafkaProcess:
        """Format storage if new, start the broker (on the ports it had last time when they are
        free, else on new free ones), wait until it serves metadata."""
        self.install()
        port, controller_port = self.reserve_ports()
        broker = self.launch(
            port,
            controller_port,
            voters=f"{self.node_id}@127.0.0.1:{controller_port}",
            cluster_id=self._cluster_id(),
            replication=1,
        )
        try:
            self.wait_ready(broker)
        except BaseException:
            terminate(broker.pid, timeout=10)
            raise
        return broker

    def launch(
        self, port: int, controller_port: int, *, voters: str, cluster_id: str, replication: int
    ) -> KafkaProcess:
        """Format storage if new and start the node without waiting for it: a cluster's
        nodes must all be up before any of them has a quorum."""
        self.install()
        self.home.mkdir(parents=True, exist_ok=True)
        template = resources.files(__package__) / "resources" / "server.properties.template"
        config = self.home / "server.properties"
        config.write_text(
            template.read_text().format(
                node_id=self.node_id,
                voters=voters,
                port=port,
                controller_port=controller_port,
                log_dirs=self.home / "data",
                replication=replication,
                min_insync=min_insync_replicas(replication),
            )
        )
        run(
            self._java(
                "kafka.tools.StorageTool",
                "format",
                f"--cluster-id={cluster_id}",
                "--ignore-formatted",
                "-c",
                str(config),
            ),
            what="formatting Kafka storage",
        )
        with self.log_path.open("ab") as log:
            proc = subprocess.Popen(
                self._java("kafka.Kafka", str(config)),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=self.home,
            )
        return KafkaProcess(pid=proc.pid, port=port, controller_port=controller_port)

    def wait_ready(self, broker: KafkaProcess, timeout: float = _READY_TIMEOUT) -> None:
        """Wait until a client can fetch metadata from the broker."""
        deadline = time.monotonic() + timeout
        last_error = "port not open yet"
        while time.monotonic() < deadline:
            if not pid_alive(broker.pid):
                raise InfraError(
                    f"the Kafka broker exited during start-up; its log ({self.log_path}) ends:\n"
                    + tail(self.log_path)
                )
            if port_open(broker.port):
                try:
                    fetch_metadata(broker.bootstrap_servers)
                    return
                except Exception as exc:  # not ready yet: any client error means "retry"
                    last_error = f"{type(exc).__name__}: {exc}"
            time.sleep(0.25)
        raise InfraError(
            f"Kafka did not serve metadata within {timeout:.0f}s ({last_error}); "
            f"its log ({self.log_path}) ends:\n" + tail(self.log_path)
        )

    def alive(self, broker: KafkaProcess) -> bool:
        """True when the broker process runs and its port answers."""
        return pid_alive(broker.pid) and port_open(broker.port)

    def stop(self, broker: KafkaProcess) -> None:
        """Shut the broker down cleanly (SIGTERM), killing it if it hangs."""
        terminate(broker.pid, timeout=60)

    def purge(self) -> None:
        """Delete the broker's data (topics, offsets) but keep the cached jars."""
        shutil.rmtree(self.home, ignore_errors=True)


class LocalKafkaCluster:
    """`size` brokers on this machine, each broker and controller, each under `home/node-<id>`.

    Every node keeps its own sticky ports; all nodes are started before any is waited for
    (a node serves nothing until a majority of controllers is up). The internal topics and
    topics created without a replication factor get min(3, size) replicas.
    """

    def __init__(self, home: Path, cache_dir: Path, size: int, heap: str = "256m") -> None:
        self.home = home
        self.size = size
        self.nodes = [
            LocalKafka(home / f"node-{i}", cache_dir, heap, node_id=i) for i in range(1, size + 1)
        ]

    @property
    def replication(self) -> int:
        """The replication factor of the cluster's topics."""
        return min(3, self.size)

    def _cluster_id(self) -> str:
        path = self.home / "cluster.id"
        if path.exists():
            return path.read_text().strip()
        cluster_id = random_cluster_id()
        self.home.mkdir(parents=True, exist_ok=True)
        path.write_text(cluster_id + "\n")
        return cluster_id

    def start(self) -> list[KafkaProcess]:
        """Start every node, then wait until each serves metadata."""
        taken: list[int] = []
        addresses: list[tuple[int, int]] = []
        for node in self.nodes:
            port, controller_port = node.reserve_ports(taken)
            taken += [port, controller_port]
            addresses.append((port, controller_port))
        voters = ",".join(
            f"{node.node_id}@127.0.0.1:{controller}"
            for node, (_, controller) in zip(self.nodes, addresses, strict=True)
        )
        cluster_id = self._cluster_id()
        started: list[KafkaProcess] = []  # in any order: for clean-up

        def launch(node: LocalKafka, port: int, controller_port: int) -> KafkaProcess:
            broker = node.launch(
                port,
                controller_port,
                voters=voters,
                cluster_id=cluster_id,
                replication=self.replication,
            )
            started.append(broker)
            return broker

        try:
            # Each node's storage format is a JVM of its own: side by side, not one by one.
            with ThreadPoolExecutor(len(self.nodes)) as pool:
                launched = list(pool.map(launch, self.nodes, *zip(*addresses, strict=True)))
            for node, broker in zip(self.nodes, launched, strict=True):
                node.wait_ready(broker)
        except BaseException:
            for broker in started:
                terminate(broker.pid, timeout=10)
            raise
        return launched

    def restart_stopped(self, brokers: list[KafkaProcess]) -> list[KafkaProcess]:
        """Start again, on the addresses they had, the nodes of a running cluster that stopped
        (the others keep their quorum); wait until they serve metadata."""
        voters = ",".join(
            f"{node.node_id}@127.0.0.1:{broker.controller_port}"
            for node, broker in zip(self.nodes, brokers, strict=True)
        )
        cluster_id = self._cluster_id()
        restarted: list[KafkaProcess] = []
        for node, broker in zip(self.nodes, brokers, strict=True):
            if pid_alive(broker.pid):  # running, perhaps slow to answer: never a second one
                node.wait_ready(broker)
                restarted.append(broker)
                continue
            again = node.launch(
                broker.port,
                broker.controller_port,
                voters=voters,
                cluster_id=cluster_id,
                replication=self.replication,
            )
            try:
                node.wait_ready(again)
            except BaseException:
                terminate(again.pid, timeout=10)
                raise
            restarted.append(again)
        return restarted

    def purge(self) -> None:
        """Delete every node's data."""
        shutil.rmtree(self.home, ignore_errors=True)


def random_cluster_id() -> str:
    """A new KRaft cluster id as Kafka's `Uuid.randomUuid()` makes one: 16 random bytes in
    URL-safe base64 without padding, never starting with '-' (no JVM started for it)."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def min_insync_replicas(replication: int) -> int:
    """How many replicas must have a write before it is acknowledged (acks=all): 2 of 3, so
    one broker may be down and a write still lives on two; 1 below three replicas."""
    return 2 if replication >= 3 else 1


def fetch_metadata(bootstrap_servers: str, timeout_ms: int = 5000) -> list[str]:
    """Ask the broker for its topics: the readiness check a real client performs."""
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        request_timeout_ms=timeout_ms,
        client_id="mercato-infra-probe",
    )
    try:
        return sorted(admin.list_topics())
    finally:
        admin.close()


def java_major_version() -> int | None:
    """The major version of the `java` on PATH, or None when there is none."""
    if shutil.which("java") is None:
        return None
    out = subprocess.run(
        ["java", "-version"], capture_output=True, text=True, check=False, env=dict(os.environ)
    ).stderr
    for token in out.split():
        token = token.strip('"')
        if token[:1].isdigit():
            head = token.split(".")[0]
            if head.isdigit():
                return int(head)
    return None
