"""Which contract changes since a commit need a coordinated deploy: `python libs/protos/compat.py
--against <git ref>` (make test runs it against the previous commit, tests/contracts).

buf's breaking-change check (FILE rules) rejects what would break a reader; this says, for
every change it accepts, whether one service can ship it alone:

- a new field or message that no RPC takes as its request (events, responses, values): no
  coordination. Readers on the previous release ignore unknown fields and skip unknown event
  types (tests/kit/consumer/test_tolerant_reader.py).
- a new RPC, or a new service: the server ships first. A caller that ships before it gets
  UNIMPLEMENTED.
- a new field on an RPC's request: the server ships first. An older server silently ignores
  the field, so its callers' values would be dropped.
- what buf rejects: never in one step. Add the new field or message beside the old one, ship
  the readers, then the writers, and remove the old one in a later release.

Exit status 1 when buf reports a breaking change, else 0; the plan is printed either way.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from google.protobuf import descriptor_pb2

ROOT = Path(__file__).resolve().parents[2]
NONE = "none: readers on the previous release ignore it"
SERVER_FIRST = "server first: ship {deployable} (serves {service}) before its callers use it"


@dataclass(frozen=True)
class Change:
    """One contract change and the order its deploy needs."""

    what: str
    deploy: str


def _index(
    files: descriptor_pb2.FileDescriptorSet,
) -> tuple[dict[str, set[str]], dict[str, str], dict[str, set[str]]]:
    """(service -> method names, request message -> service, message -> field names)."""
    services: dict[str, set[str]] = {}
    requests: dict[str, str] = {}
    messages: dict[str, set[str]] = {}
    for file in files.file:
        package = f"{file.package}." if file.package else ""

        def walk(prefix: str, message: descriptor_pb2.DescriptorProto) -> None:
            name = f"{prefix}{message.name}"
            messages[name] = {field.name for field in message.field}
            for nested in message.nested_type:
                walk(f"{name}.", nested)

        for message in file.message_type:
            walk(package, message)
        for service in file.service:
            qualified = f"{package}{service.name}"
            services[qualified] = {method.name for method in service.method}
            for method in service.method:
                requests[method.input_type.lstrip(".")] = qualified
    return services, requests, messages


def _server_first(service: str) -> str:
    parts = service.split(".")
    deployable = parts[1] if parts[0] == "mercato" and len(parts) > 2 else service
    return SERVER_FIRST.format(deployable=deployable, service=service)


def plan(
    before: descriptor_pb2.FileDescriptorSet, after: descriptor_pb2.FileDescriptorSet
) -> list[Change]:
    """The additive changes from `before` to `after` and the deploy order each needs."""
    old_services, _, old_messages = _index(before)
    new_services, requests, new_messages = _index(after)
    changes: list[Change] = []
    for service, methods in sorted(new_services.items()):
        if service not in old_services:
            changes.append(Change(f"new service {service}", _server_first(service)))
            continue
        for method in sorted(methods - old_services[service]):
            changes.append(Change(f"new RPC {service}.{method}", _server_first(service)))
    for message, fields in sorted(new_messages.items()):
        if message not in old_messages:
            if message not in requests:
                changes.append(Change(f"new message {message}", NONE))
            continue
        for field in sorted(fields - old_messages[message]):
            server = requests.get(message)
            changes.append(
                Change(
                    f"new field {message}.{field}",
                    NONE if server is None else _server_first(server),
                )
            )
    return changes


def _image(source: str, out: Path) -> descriptor_pb2.FileDescriptorSet:
    subprocess.run(
        [_buf(), "build", source, "-o", str(out)], cwd=ROOT, check=True, capture_output=True
    )
    files = descriptor_pb2.FileDescriptorSet()
    files.ParseFromString(out.read_bytes())
    return files


def _buf() -> str:
    return str(Path(sys.executable).with_name("buf"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="the git ref to compare with")
    args = parser.parse_args()
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{args.against}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    against = f".git#ref={commit},subdir=protos"
    breaking = subprocess.run(
        [_buf(), "breaking", "protos", "--against", against],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    with tempfile.TemporaryDirectory() as tmp:
        changes = plan(
            _image(against, Path(tmp) / "a.binpb"), _image("protos", Path(tmp) / "b.binpb")
        )
    for change in changes:
        print(f"{change.what}: {change.deploy}")
    if breaking.returncode != 0:
        print(breaking.stdout + breaking.stderr, end="")
        print(
            "breaking: needs a coordinated deploy in steps (add beside the old, ship readers, "
            "then writers, remove the old later); buf rejects it as is"
        )
        return 1
    if not changes:
        print("no contract change: every service ships alone")
    return 0


if __name__ == "__main__":
    sys.exit(main())
