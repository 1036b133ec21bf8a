"""Small process and port helpers shared by the Kafka and PostgreSQL launchers."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Collection, Sequence
from pathlib import Path

from mercato_localinfra._errors import InfraError


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def can_bind(port: int) -> bool:
    """True when this process could listen on 127.0.0.1:port now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def sticky_ports(path: Path, count: int, taken: Collection[int] = ()) -> list[int]:
    """`count` distinct free ports, the same ones as last time when they are still free.

    The ports are remembered in `path`: a server restarted on its state directory comes back
    on the address its clients already dial (a fresh port would strand every running service).
    `taken`: ports reserved for other servers not listening yet (a cluster's other nodes).
    """
    with contextlib.suppress(OSError, ValueError):
        remembered = [int(word) for word in path.read_text().split()]
        distinct = len(remembered) == count and len(set(remembered)) == count
        fresh = not set(remembered) & set(taken)
        if distinct and fresh and all(can_bind(port) for port in remembered):
            return remembered
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports and port not in taken:
            ports.append(port)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(" ".join(str(port) for port in ports) + "\n")
    return ports


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts TCP connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def pid_alive(pid: int) -> bool:
    """True when a process with this pid exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError):
        # The state letter follows the parenthesised command name.
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return True


def terminate(pid: int, timeout: float = 30.0) -> None:
    """SIGTERM a process, wait for it to exit, SIGKILL it if it does not."""
    if not pid_alive(pid):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(pid)
        if not pid_alive(pid):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    while pid_alive(pid):
        _reap(pid)
        time.sleep(0.05)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def wait_port_closed(port: int, timeout: float = 10.0) -> None:
    """Wait until nothing listens on the port any more."""
    deadline = time.monotonic() + timeout
    while port_open(port):
        if time.monotonic() > deadline:
            raise InfraError(f"port {port} is still open {timeout:.0f}s after its process stopped")
        time.sleep(0.1)


def run(cmd: Sequence[str], *, what: str, env: dict[str, str] | None = None) -> str:
    """Run a command to completion; raise InfraError with its output when it fails."""
    try:
        done = subprocess.run(
            list(cmd), capture_output=True, text=True, check=False, env=env, timeout=600
        )
    except FileNotFoundError as exc:
        raise InfraError(f"{what}: {cmd[0]} is not installed") from exc
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()[-2000:]
        raise InfraError(f"{what} failed (exit {done.returncode}): {' '.join(cmd)}\n{output}")
    return done.stdout


def tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log file, for error messages."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
