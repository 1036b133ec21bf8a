"""Request validation from the rules declared on proto fields (`mercato.validate.v1.field`).

Semantics follow protovalidate's defaults: a rule applies to a field's value even when it is
the proto3 default ("" or 0), except on a field with explicit presence (`optional`, a oneof
member, a message) that is not set, which only `required` can refuse. So an optional e-mail
is declared `optional string email = 2 [(mercato.validate.v1.field).string.email = true];`.

Every string field, with rules or without, refuses control characters unless its rules say
`allow_control_chars`: a request is text a person or a partner typed, and a NUL or an escape
sequence in it is an attack or a bug. Messages are validated recursively (unless `skip`), the
values of maps too. The rules of each message type are read once and cached.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from mercato.validate.v1 import rules_pb2
from mercato_kit.errors import InvalidArgument

__all__ = ["Violation", "validate", "violations"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_DOMAIN_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_INTEGER_TYPES = frozenset(
    {
        FieldDescriptor.CPPTYPE_INT32,
        FieldDescriptor.CPPTYPE_INT64,
        FieldDescriptor.CPPTYPE_UINT32,
        FieldDescriptor.CPPTYPE_UINT64,
    }
)
# A map key in a field path is shown, escaped, up to this many characters.
_MAX_KEY_IN_PATH = 40


@dataclass(frozen=True)
class Violation:
    """One broken rule: the dotted path of the field (`lines[2].quantity`) and what is wrong."""

    field: str
    message: str


def validate(message: Message) -> None:
    """Raise InvalidArgument naming the first field of `message` that breaks its rules."""
    for violation in _violations(message, ""):
        raise InvalidArgument(violation.field, violation.message)


def violations(message: Message) -> list[Violation]:
    """Every broken rule of `message`, in field order (empty when it is valid)."""
    return list(_violations(message, ""))


# A check of one value (a string, an integer): None when it passes, else what is wrong.
_ValueCheck = Callable[[Any], str | None]


@dataclass(frozen=True)
class _FieldPlan:
    """What to check on one field, compiled once per message type."""

    name: str
    repeated: bool
    is_map: bool
    has_presence: bool
    required: bool
    min_items: int | None
    max_items: int | None
    value_checks: tuple[_ValueCheck, ...]
    recurse: bool
    map_key_checks: tuple[_ValueCheck, ...]
    map_value_checks: tuple[_ValueCheck, ...]
    map_value_recurse: bool

    @property
    def has_work(self) -> bool:
        """Whether any rule applies: fields with none are left out of the plan."""
        return bool(
            self.required
            or self.min_items is not None
            or self.max_items is not None
            or self.value_checks
            or self.recurse
            or self.map_key_checks
            or self.map_value_checks
            or self.map_value_recurse
        )


_plans: dict[object, tuple[_FieldPlan, ...]] = {}
# The generated stub types the extension as a plain FieldDescriptor, not an extension handle.
_RULES_EXTENSION: Any = rules_pb2.field


def _plan(descriptor: Descriptor) -> tuple[_FieldPlan, ...]:
    plan = _plans.get(descriptor)
    if plan is None:
        fields = (_plan_field(field) for field in descriptor.fields)
        plan = tuple(field for field in fields if field.has_work)
        _plans[descriptor] = plan
    return plan


def _violations(message: Message, prefix: str) -> Iterator[Violation]:
    descriptor: Descriptor = message.DESCRIPTOR  # type: ignore[assignment]
    for plan in _plan(descriptor):
        path = f"{prefix}{plan.name}"
        if plan.is_map:
            yield from _map_violations(plan, getattr(message, plan.name), path)
        elif plan.repeated:
            yield from _repeated_violations(plan, getattr(message, plan.name), path)
        elif plan.has_presence and not message.HasField(plan.name):
            if plan.required:
                yield Violation(path, "is required")
        else:
            value = getattr(message, plan.name)
            if plan.required and not plan.has_presence and not value:
                yield Violation(path, "is required")
                continue
            yield from _value_violations(plan.value_checks, value, path)
            if plan.recurse:
                yield from _violations(value, f"{path}.")


def _repeated_violations(plan: _FieldPlan, items: Any, path: str) -> Iterator[Violation]:
    count = len(items)
    if plan.required and count == 0:
        yield Violation(path, "is required")
        return
    if plan.min_items is not None and count < plan.min_items:
        yield Violation(path, f"must have at least {plan.min_items} items")
    if plan.max_items is not None and count > plan.max_items:
        # Checking each of an oversized list's items would only cost time.
        yield Violation(path, f"must have at most {plan.max_items} items")
        return
    for index, item in enumerate(items):
        item_path = f"{path}[{index}]"
        yield from _value_violations(plan.value_checks, item, item_path)
        if plan.recurse:
            yield from _violations(item, f"{item_path}.")


def _map_violations(plan: _FieldPlan, entries: Any, path: str) -> Iterator[Violation]:
    count = len(entries)
    if plan.required and count == 0:
        yield Violation(path, "is required")
        return
    if plan.min_items is not None and count < plan.min_items:
        yield Violation(path, f"must have at least {plan.min_items} entries")
    if plan.max_items is not None and count > plan.max_items:
        yield Violation(path, f"must have at most {plan.max_items} entries")
        return
    for key in entries:
        entry_path = f"{path}[{_render_key(key)}]"
        for check in plan.map_key_checks:
            problem = check(key)
            if problem is not None:
                yield Violation(entry_path, f"key {problem}")
        value = entries[key]
        yield from _value_violations(plan.map_value_checks, value, entry_path)
        if plan.map_value_recurse:
            yield from _violations(value, f"{entry_path}.")


def _value_violations(
    checks: tuple[_ValueCheck, ...], value: Any, path: str
) -> Iterator[Violation]:
    for check in checks:
        problem = check(value)
        if problem is not None:
            yield Violation(path, problem)
            # Later checks of a value that is already wrong add noise, not information.
            return


def _render_key(key: object) -> str:
    if isinstance(key, str):
        shown = key if len(key) <= _MAX_KEY_IN_PATH else key[:_MAX_KEY_IN_PATH] + "..."
        return json.dumps(shown)
    return str(key)


def _plan_field(field: FieldDescriptor) -> _FieldPlan:
    options = field.GetOptions()
    rules: rules_pb2.FieldRules = (
        options.Extensions[_RULES_EXTENSION]
        if options.HasExtension(_RULES_EXTENSION)
        else rules_pb2.FieldRules()
    )
    kind = rules.WhichOneof("type")
    entry = field.message_type if field.cpp_type == FieldDescriptor.CPPTYPE_MESSAGE else None
    is_message = entry is not None
    is_map = entry is not None and entry.GetOptions().map_entry
    where = field.full_name
    if kind == "repeated" and not field.is_repeated:
        raise TypeError(f"{where}: repeated rules on a field that is not repeated")
    if kind == "string" and field.type != FieldDescriptor.TYPE_STRING:
        raise TypeError(f"{where}: string rules on a field that is not a string")
    if kind == "int" and field.cpp_type not in _INTEGER_TYPES:
        raise TypeError(f"{where}: int rules on a field that is not an integer")
    if kind == "message" and (not is_message or is_map):
        raise TypeError(f"{where}: message rules on a field that is not a message")

    value_checks: tuple[_ValueCheck, ...] = ()
    if field.type == FieldDescriptor.TYPE_STRING:
        value_checks = _string_checks(rules.string if kind == "string" else None, where)
    elif kind == "int":
        value_checks = _int_checks(rules.int)
    skip = kind == "message" and rules.message.skip
    recurse = is_message and not is_map and not skip

    map_key_checks: tuple[_ValueCheck, ...] = ()
    map_value_checks: tuple[_ValueCheck, ...] = ()
    map_value_recurse = False
    if entry is not None and is_map:
        key_field = entry.fields_by_name["key"]
        value_field = entry.fields_by_name["value"]
        if key_field.type == FieldDescriptor.TYPE_STRING:
            map_key_checks = _string_checks(None, where)
        if value_field.type == FieldDescriptor.TYPE_STRING:
            map_value_checks = _string_checks(None, where)
        map_value_recurse = value_field.cpp_type == FieldDescriptor.CPPTYPE_MESSAGE

    repeated_rules = rules.repeated if kind == "repeated" else None
    return _FieldPlan(
        name=field.name,
        repeated=field.is_repeated,
        is_map=is_map,
        has_presence=field.has_presence,
        required=rules.required,
        min_items=_optional(repeated_rules, "min_items"),
        max_items=_optional(repeated_rules, "max_items"),
        value_checks=value_checks,
        recurse=recurse,
        map_key_checks=map_key_checks,
        map_value_checks=map_value_checks,
        map_value_recurse=map_value_recurse,
    )


def _optional(rules: Message | None, name: str) -> int | None:
    if rules is None or not rules.HasField(name):
        return None
    value: int = getattr(rules, name)
    return value


def _string_checks(rules: rules_pb2.StringRules | None, where: str) -> tuple[_ValueCheck, ...]:
    """Length first, so an oversized value never reaches a regular expression."""
    checks: list[_ValueCheck] = []
    min_len = _optional(rules, "min_len")
    max_len = _optional(rules, "max_len")
    if min_len is not None:
        checks.append(lambda value: None if len(value) >= min_len else _at_least(min_len))
    if max_len is not None:
        checks.append(lambda value: None if len(value) <= max_len else _at_most(max_len))
    if rules is None or not rules.allow_control_chars:
        checks.append(
            lambda value: "must not contain control characters" if _CONTROL.search(value) else None
        )
    if rules is None:
        return tuple(checks)
    declared: list[str] = list(getattr(rules, "in"))
    allowed = frozenset(declared)
    if allowed:
        listed = ", ".join(declared)
        checks.append(lambda value: None if value in allowed else f"must be one of: {listed}")
    if rules.uuid:
        checks.append(lambda value: None if _UUID.fullmatch(value) else "must be a UUID")
    if rules.email:
        checks.append(lambda value: None if _is_email(value) else "must be an e-mail address")
    if rules.HasField("pattern"):
        try:
            pattern = re.compile(rules.pattern)
        except re.error as exc:
            raise TypeError(f"{where}: bad pattern {rules.pattern!r}: {exc}") from None
        message = f"must match {rules.pattern}"
        checks.append(lambda value: None if pattern.fullmatch(value) else message)
    return tuple(checks)


def _at_least(count: int) -> str:
    return f"must be at least {count} character{'' if count == 1 else 's'} long"


def _at_most(count: int) -> str:
    return f"must be at most {count} character{'' if count == 1 else 's'} long"


def _is_email(value: str) -> bool:
    """A pragmatic check: local@domain.tld, ASCII, within the SMTP length limits."""
    local, at, domain = value.rpartition("@")
    if not at or not local or len(local) > 64 or len(value) > 254:
        return False
    if not _EMAIL_LOCAL.fullmatch(local):
        return False
    labels = domain.split(".")
    if len(labels) < 2 or not labels[-1].isalpha() or len(labels[-1]) < 2:
        return False
    return all(_DOMAIN_LABEL.fullmatch(label) for label in labels)


def _int_checks(rules: rules_pb2.IntRules) -> tuple[_ValueCheck, ...]:
    checks: list[_ValueCheck] = []
    gt, gte = _optional(rules, "gt"), _optional(rules, "gte")
    lt, lte = _optional(rules, "lt"), _optional(rules, "lte")
    if gt is not None:
        checks.append(lambda value: None if value > gt else f"must be greater than {gt}")
    if gte is not None:
        checks.append(lambda value: None if value >= gte else f"must be at least {gte}")
    if lt is not None:
        checks.append(lambda value: None if value < lt else f"must be less than {lt}")
    if lte is not None:
        checks.append(lambda value: None if value <= lte else f"must be at most {lte}")
    return tuple(checks)
