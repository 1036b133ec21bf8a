"""A real PostgreSQL server from Debian's packages, in a data directory of its own."""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from mercato_localinfra._errors import InfraError
from mercato_localinfra._packages import apt_install
from mercato_localinfra._process import (
    pid_alive,
    port_open,
    run,
    sticky_ports,
    tail,
    terminate,
)

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")

DATABASE_USER = "mercato"
"""The superuser the local server is initialised with (trust auth, loopback only)."""

DEFAULT_DATABASES = ("mercato",)
"""Databases created on every start when missing."""


@dataclass(frozen=True)
class PostgresProcess:
    """A running server: its postmaster pid and port."""

    pid: int
    port: int

    def url(self, database: str = "mercato") -> str:
        """A SQLAlchemy URL (psycopg 3 driver) for one database on this server."""
        return f"postgresql+psycopg://{DATABASE_USER}@127.0.0.1:{self.port}/{database}"


def find_bindir() -> Path | None:
    """The directory of Debian's server binaries (initdb, pg_ctl), newest version first."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
        reverse=True,
    )
    if candidates:
        return Path(candidates[0]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


class LocalPostgres:
    """Installs (Debian's package), initialises, starts and stops one server under `home`.

    initdb refuses to run as root, so as root the server runs as the `postgres` user the
    Debian package creates, and `home` is handed to that user.
    """

    def __init__(self, home: Path) -> None:
        self.home = home

    @property
    def data_dir(self) -> Path:
        """The cluster's data directory."""
        return self.home / "data"

    @property
    def log_path(self) -> Path:
        """The server's log file."""
        return self.home / "server.log"

    def installed(self) -> bool:
        """True when the server binaries are present."""
        return find_bindir() is not None

    def install(self) -> None:
        """Install Debian's server package when the binaries are missing."""
        if self.installed():
            return
        apt_install("postgresql", what="PostgreSQL")
        if not self.installed():
            raise InfraError("apt-get installed postgresql but no initdb was found")

    def _as_owner(self, cmd: list[str]) -> list[str]:
        if os.geteuid() != 0:
            return cmd
        return ["runuser", "-u", "postgres", "--", *cmd]

    def _bin(self, name: str) -> str:
        bindir = find_bindir()
        if bindir is None:
            raise InfraError("PostgreSQL server binaries not found; run `mercato infra install`")
        return str(bindir / name)

    def _prepare_home(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            for path in (self.home, *self.home.rglob("*")):
                os.chown(path, owner.pw_uid, owner.pw_gid)
            # The server user must be able to reach home through its parents.
            for parent in self.home.parents:
                if parent == Path("/"):
                    break
                if parent.stat().st_mode & 0o001 == 0:
                    raise InfraError(
                        f"{parent} is not searchable by the postgres user; "
                        "set MERCATO_STATE_DIR to a directory under /tmp or /var/tmp"
                    )

    def start(self) -> PostgresProcess:
        """Initialise the cluster if new, start it on a loopback port (last time's when it is
        free), create databases."""
        self.install()
        self._prepare_home()
        if not (self.data_dir / "PG_VERSION").exists():
            run(
                self._as_owner(
                    [
                        self._bin("initdb"),
                        "-D",
                        str(self.data_dir),
                        "-U",
                        DATABASE_USER,
                        "--auth=trust",
                        "--encoding=UTF8",
                        "--locale=C",
                    ]
                ),
                what="initialising the PostgreSQL data directory",
            )
        [port] = sticky_ports(self.home / "port", 1)
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -k {self.home} "
            "-c max_connections=200 -c shared_buffers=128MB"
        )
        try:
            run(
                self._as_owner(
                    [
                        self._bin("pg_ctl"),
                        "-D",
                        str(self.data_dir),
                        "-l",
                        str(self.log_path),
                        "-o",
                        options,
                        "-w",
                        "-t",
                        "60",
                        "start",
                    ]
                ),
                what="starting PostgreSQL",
            )
        except InfraError as exc:
            raise InfraError(
                f"{exc}\nits log ({self.log_path}) ends:\n{tail(self.log_path)}"
            ) from exc
        server = PostgresProcess(pid=self._postmaster_pid(), port=port)
        for database in DEFAULT_DATABASES:
            self.create_database(server, database)
        return server

    def _postmaster_pid(self) -> int:
        pid_file = self.data_dir / "postmaster.pid"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                return int(pid_file.read_text().splitlines()[0])
            except (OSError, ValueError, IndexError):
                time.sleep(0.1)
        raise InfraError(f"PostgreSQL started but wrote no {pid_file}")

    def create_database(self, server: PostgresProcess, name: str) -> None:
        """Create a database when it does not exist yet (names: lower-case identifiers)."""
        if not _IDENTIFIER.fullmatch(name):
            raise InfraError(f"database name {name!r} is not a lower-case identifier")
        psql = [
            self._bin("psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(server.port),
            "-U",
            DATABASE_USER,
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-tAc",
        ]
        exists = run(
            [*psql, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],  # noqa: S608 (checked)
            what=f"looking up database {name}",
        )
        if exists.strip() != "1":
            run([*psql, f'CREATE DATABASE "{name}"'], what=f"creating database {name}")

    def alive(self, server: PostgresProcess) -> bool:
        """True when the postmaster runs and its port answers."""
        return pid_alive(server.pid) and port_open(server.port)

    def stop(self, server: PostgresProcess) -> None:
        """Stop the server (fast shutdown: roll back open transactions, then exit)."""
        if not pid_alive(server.pid):
            return
        if (self.data_dir / "postmaster.pid").exists():
            done = subprocess.run(
                self._as_owner(
                    [self._bin("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"]
                ),
                capture_output=True,
                text=True,
                check=False,
                timeout=120,
            )
            if done.returncode == 0:
                return
        terminate(server.pid, timeout=30)

    def purge(self) -> None:
        """Delete the data directory."""
        shutil.rmtree(self.home, ignore_errors=True)
