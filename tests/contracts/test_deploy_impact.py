"""libs/protos/compat.py: which contract changes a service can ship alone, and which need the
server first (buf's breaking-change check rejects the rest: tests/contracts/test_protos.py)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from google.protobuf import descriptor_pb2

ROOT = Path(__file__).resolve().parents[2]


def _compat() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compat", ROOT / "libs/protos/compat.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["compat"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _contract(
    methods: list[str], request_fields: list[str], event_fields: list[str], events: list[str]
) -> descriptor_pb2.FileDescriptorSet:
    file = descriptor_pb2.FileDescriptorProto(name="orders.proto", package="mercato.orders.v1")
    request = file.message_type.add(name="PlaceOrderRequest")
    for number, field in enumerate(request_fields, start=1):
        request.field.add(name=field, number=number, type=9)
    for name in events:
        event = file.message_type.add(name=name)
        for number, field in enumerate(event_fields, start=1):
            event.field.add(name=field, number=number, type=9)
    service = file.service.add(name="OrderService")
    for method in methods:
        service.method.add(
            name=method,
            input_type=".mercato.orders.v1.PlaceOrderRequest",
            output_type=".mercato.orders.v1.OrderPlaced",
        )
    return descriptor_pb2.FileDescriptorSet(file=[file])


def test_event_changes_ship_alone_and_new_rpcs_or_request_fields_need_the_server_first() -> None:
    compat = _compat()
    before = _contract(["PlaceOrder"], ["buyer_id"], ["order_id"], ["OrderPlaced"])
    after = _contract(
        ["PlaceOrder", "CancelOrder"],
        ["buyer_id", "coupon"],
        ["order_id", "channel"],
        ["OrderPlaced", "OrderGifted"],
    )

    plan = {change.what: change.deploy for change in compat.plan(before, after)}

    server_first = "server first: ship orders (serves mercato.orders.v1.OrderService)"
    assert plan["new RPC mercato.orders.v1.OrderService.CancelOrder"].startswith(server_first)
    assert plan["new field mercato.orders.v1.PlaceOrderRequest.coupon"].startswith(server_first)
    assert plan["new field mercato.orders.v1.OrderPlaced.channel"] == compat.NONE
    assert plan["new message mercato.orders.v1.OrderGifted"] == compat.NONE
    assert len(plan) == 4


def test_the_changes_since_the_previous_commit_are_planned_and_none_is_breaking() -> None:
    previous = subprocess.run(
        ["git", "rev-parse", "--verify", "-q", "HEAD~1"], cwd=ROOT, capture_output=True, check=False
    )
    if previous.returncode != 0:
        pytest.skip("no previous commit to compare the contracts with")

    done = subprocess.run(
        [sys.executable, "libs/protos/compat.py", "--against", "HEAD~1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip()
