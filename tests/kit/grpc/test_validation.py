"""Request validation from the rules on proto fields: `validate` itself, then over the wire."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.message import Message

from mercato.kittest.v1 import echo_pb2
from mercato.kittest.v1.echo_pb2 import Address, EchoRequest, EchoStreamRequest, Line
from mercato_kit.errors import InvalidArgument
from mercato_kit.grpc import INVALID_FIELD_KEY, Violation, validate, violations
from tests.kit.grpc._support import RunningEcho

TIMEOUT = 10


def valid(**fields: object) -> EchoRequest:
    """A valid request, changed by `fields`."""
    request = EchoRequest(text="hello")
    for name, value in fields.items():
        if isinstance(value, Message):
            getattr(request, name).CopyFrom(value)
        elif isinstance(value, list):
            getattr(request, name).extend(value)
        elif isinstance(value, dict):
            for key, line in value.items():
                getattr(request, name)[key].CopyFrom(line)
        else:
            setattr(request, name, value)
    return request


# (request, the field it names, words of the message)
INVALID: list[tuple[Message, str, str]] = [
    (EchoRequest(), "text", "is required"),
    (valid(text="x" * 21), "text", "at most 20 characters"),
    (valid(text="a\x00b"), "text", "control characters"),
    (valid(text="tab\there"), "text", "control characters"),
    (valid(text="del\x7f"), "text", "control characters"),
    (valid(email="not-an-address"), "email", "e-mail"),
    (valid(email="two@@example.com"), "email", "e-mail"),
    (valid(email="a@localhost"), "email", "e-mail"),
    (valid(email=""), "email", "e-mail"),
    (valid(reference="0190a4b2-5e6f-7a8b-9c0d"), "reference", "UUID"),
    (valid(currency="cny"), "currency", "must match [A-Z]{3}"),
    (valid(currency="CNYX"), "currency", "must match [A-Z]{3}"),
    (valid(colour="pink"), "colour", "one of: red, green, blue"),
    (valid(quantity=-1), "quantity", "at least 0"),
    (valid(quantity=1000), "quantity", "less than 1000"),
    (valid(lines=[Line(sku="a", quantity=1)] * 6), "lines", "at most 5 items"),
    (valid(lines=[Line(quantity=1)]), "lines[0].sku", "is required"),
    (
        valid(lines=[Line(sku="a", quantity=1), Line(sku="b", quantity=2), Line(sku="c")]),
        "lines[2].quantity",
        "greater than 0",
    ),
    (valid(lines=[Line(sku="a", quantity=101)]), "lines[0].quantity", "at most 100"),
    (valid(lines=[Line(sku="a\nb", quantity=1)]), "lines[0].sku", "control characters"),
    (valid(tags=["ok", "much-too-long"]), "tags[1]", "at most 10 characters"),
    (valid(address=Address()), "address.city", "is required"),
    (valid(address=Address(city="x" * 51)), "address.city", "at most 50"),
    (valid(lines_by_sku={"k-1": Line(sku="k-1")}), 'lines_by_sku["k-1"].quantity', "greater"),
    (valid(lines_by_sku={"k\x00": Line(sku="k", quantity=1)}), 'lines_by_sku["k\\u0000"]', "key"),
    (valid(free="\x1b[2J"), "free", "control characters"),
]

VALID: list[Message] = [
    valid(),
    valid(text="😀" * 20),
    valid(email="first.last+tag@mail.example.co"),
    valid(reference="0190A4B2-5E6F-7A8B-9C0D-1E2F3A4B5C6D"),
    valid(currency="CNY", colour="green", quantity=999),
    valid(lines=[Line(sku="a", quantity=1)] * 5, tags=["short", ""]),
    valid(unchecked_address=Address()),
    valid(note="first line\nsecond line\ttabbed"),
    valid(lines_by_sku={"k": Line(sku="k", quantity=1)}),
]


@pytest.mark.parametrize(("request_", "field", "words"), INVALID)
def test_a_broken_rule_is_invalid_argument_naming_the_field(
    request_: Message, field: str, words: str
) -> None:
    with pytest.raises(InvalidArgument) as raised:
        validate(request_)

    assert raised.value.field == field
    assert words in raised.value.message


@pytest.mark.parametrize("request_", VALID)
def test_a_request_within_its_rules_passes(request_: Message) -> None:
    validate(request_)

    assert violations(request_) == []


def test_unset_optional_fields_skip_their_rules_but_set_ones_do_not() -> None:
    assert violations(EchoRequest(text="hi")) == []
    assert violations(EchoRequest(text="hi", currency="")) == [
        Violation("currency", "must match [A-Z]{3}")
    ]


def test_every_violation_can_be_collected_in_field_order() -> None:
    request = EchoRequest(
        quantity=5000, lines=[Line(sku="", quantity=0)], address=Address(), free="\x00"
    )

    assert [v.field for v in violations(request)] == [
        "text",
        "quantity",
        "lines[0].sku",
        "lines[0].quantity",
        "address.city",
        "free",
    ]


def test_an_oversized_string_is_refused_by_its_length_alone() -> None:
    huge = "X" * 3_000_000

    assert violations(valid(text=huge, currency=huge)) == [
        Violation("text", "must be at most 20 characters long"),
        Violation("currency", "must match [A-Z]{3}"),
    ]


def test_an_oversized_list_is_refused_without_checking_each_item() -> None:
    request = valid(lines=[Line()] * 100_000)

    assert violations(request) == [Violation("lines", "must have at most 5 items")]


def test_a_long_map_key_is_shortened_in_the_field_path() -> None:
    [violation] = violations(valid(lines_by_sku={"k" * 1000: Line(sku="k")}))

    assert violation.field == f'lines_by_sku["{"k" * 40}..."].quantity'


def test_messages_without_rules_validate_cleanly() -> None:
    from mercato.common.v1.money_pb2 import Money

    validate(Money(currency="CNY", minor_units=-5))
    with pytest.raises(InvalidArgument) as raised:
        validate(Money(currency="CN\x00Y"))

    assert raised.value.field == "currency"


@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize(("request_", "field", "words"), INVALID)
async def test_an_invalid_request_is_refused_over_the_wire_naming_the_field(
    echo: RunningEcho, request_: Message, field: str, words: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await echo.stub.Echo(request_, timeout=TIMEOUT)

    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (raised.value.details() or "").startswith(f"{field}: ")
    assert words in (raised.value.details() or "")
    assert dict(raised.value.trailing_metadata())[INVALID_FIELD_KEY] == field


@pytest.mark.asyncio(loop_scope="session")
async def test_an_oversized_string_over_the_wire_is_invalid_argument(echo: RunningEcho) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await echo.stub.Echo(valid(text="x" * 3_000_000), timeout=TIMEOUT)

    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert dict(raised.value.trailing_metadata())[INVALID_FIELD_KEY] == "text"


@pytest.mark.asyncio(loop_scope="session")
async def test_a_request_over_the_size_limit_is_refused_and_the_server_serves_on(
    echo: RunningEcho,
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await echo.stub.Echo(valid(note="x" * 5_000_000), timeout=TIMEOUT)
    after = await echo.stub.Echo(valid(text="still here"), timeout=TIMEOUT)

    assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert after.text == "still here"


@pytest.mark.asyncio(loop_scope="session")
async def test_a_streaming_call_validates_its_request_before_the_first_response(
    echo: RunningEcho,
) -> None:
    call = echo.stub.EchoStream(EchoStreamRequest(text="hi", count=0), timeout=TIMEOUT)

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call.read()

    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert dict(raised.value.trailing_metadata())[INVALID_FIELD_KEY] == "count"


@pytest.mark.asyncio(loop_scope="session")
async def test_a_valid_request_reaches_the_handler(echo: RunningEcho) -> None:
    response = await echo.stub.Echo(VALID[-1], timeout=TIMEOUT)

    assert isinstance(response, echo_pb2.EchoResponse)
    assert response.text == "hello"
