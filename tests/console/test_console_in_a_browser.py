"""`mercato console` in headless Chromium (Debian's, driven by Playwright) against a running
ecosystem: identity, catalog, orders, payments, logistics and the ledger as real processes, the
console as one more, every figure checked against the ledger's own gRPC answers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from kafka import KafkaProducer
from playwright.sync_api import Browser, Page, sync_playwright

from mercato.common.v1 import money_pb2
from mercato.ledger.v1 import ledger_pb2
from mercato.orders.v1 import orders_pb2 as orders
from mercato.payments.v1 import payments_pb2
from mercato_cli.demo.report import MonthLine
from mercato_cli.dlq import HEADER_REDRIVEN_FROM, read_letters
from mercato_cli.events import open_reader
from mercato_kit.events import EventEnvelope, dlq_topic, topic_for
from mercato_localinfra._process import free_port
from tests.services.logistics._support import dispatched
from tests.support.ecosystem import TIMEOUT, Ecosystem
from tests.support.identity_service import PASSWORD

pytestmark = [pytest.mark.infra, pytest.mark.timeout(900)]

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or ""
ARTIFACTS = os.environ.get("MERCATO_TEST_ARTIFACTS", "")
"""A folder for the screenshots besides the test's own temporary one, when set."""
PAYMENTS = topic_for("payments.payment")


@pytest.fixture(scope="module")
def world(
    kafka_bootstrap_servers: str, postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Ecosystem]:
    workdir = tmp_path_factory.mktemp("console-ecosystem")
    with Ecosystem.started(kafka_bootstrap_servers, postgres_url, workdir, ledger=True) as running:
        yield running


@pytest.fixture(scope="module")
def console(world: Ecosystem, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`mercato console` as a process, configured like the services: by the environment."""
    address = f"127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "CONSOLE_HTTP_ADDR": address,
        "KAFKA_BOOTSTRAP_SERVERS": world.kafka,
        **{
            f"{name.upper()}_GRPC_ADDR": world.services[name].address
            for name in ("orders", "payments", "logistics", "ledger")
        },
        "IDENTITY_GRPC_ADDR": world.identity.address,
        **{
            f"{name.upper()}_METRICS_ADDR": service.metrics_address
            for name, service in world.services.items()
            if service.metrics_address
        },
        "ORDERS_CONSUMER_GROUP_PREFIX": world.service_env["orders"]["ORDERS_CONSUMER_GROUP_PREFIX"],
        "LEDGER_CONSUMER_GROUP_PREFIX": world.service_env["ledger"]["LEDGER_CONSUMER_GROUP_PREFIX"],
    }
    log = tmp_path_factory.mktemp("console") / "console.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "mercato_cli", "console"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://{address}"
        deadline = time.monotonic() + 120  # imports take a while on a busy machine
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if requests.get(f"{url}/signin", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM:
        pytest.fail("no chromium: `apt-get install chromium` (make infra-install does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def shoot(tmp_path: Path, record_property: Callable[[str, object], None]) -> Callable[..., None]:
    """Save a full-page screenshot in the test's folder, and in $MERCATO_TEST_ARTIFACTS/console
    when set (named in the JUnit report either way)."""

    def take(page: Page, name: str) -> None:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        if ARTIFACTS:  # kept beyond pytest's last three temporary folders (CI uploads them)
            kept = Path(ARTIFACTS) / "console" / tmp_path.name / path.name
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, kept)
            path = kept
        record_property(f"screenshot-{name}", str(path))

    return take


def sign_in(page: Page, url: str, email: str, password: str) -> None:
    page.goto(f"{url}/signin")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def minor(page: Page, selector: str) -> int:
    return int(page.locator(selector).first.get_attribute("value") or "")


def wait_until_posted(world: Ecosystem, order_id: str, timeout: float = 300) -> None:
    """The ledger holds the order's capture and has counted an order paid (GMV)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        gmv = world.ledger.GetGrossMerchandiseVolume(
            ledger_pb2.GetGrossMerchandiseVolumeRequest(period=ledger_pb2.PERIOD_DAY),
            metadata=world.operator.metadata,
            timeout=TIMEOUT,
        )
        if gmv.amounts and world.balance(f"liability:escrow:{order_id}"):
            return
        time.sleep(0.5)
    raise AssertionError(f"the ledger never posted order {order_id}")


def poison_release(world: Ecosystem) -> EventEnvelope:
    """An EscrowReleased whose commission and seller's net do not add up to its gross: the
    ledger refuses it and, after its attempts, dead-letters it."""
    order_id = str(uuid.uuid4())
    released = payments_pb2.EscrowReleased(
        order_id=order_id,
        seller_id=str(uuid.uuid4()),
        shop_id=str(uuid.uuid4()),
        gross=money_pb2.Money(currency="CNY", minor_units=1000),
        commission=money_pb2.Money(currency="CNY", minor_units=100),
        seller_net=money_pb2.Money(currency="CNY", minor_units=500),
    )
    envelope = EventEnvelope.new(
        released,
        aggregate_type="payments.payment",
        aggregate_id=order_id,
        aggregate_version=99,
        producer="console-test",
    )
    producer = KafkaProducer(bootstrap_servers=world.kafka)
    producer.send(PAYMENTS, key=order_id.encode(), value=envelope.to_bytes())
    producer.flush()
    producer.close()
    return envelope


def wait_for_dead_letter(world: Ecosystem, event_id: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open_reader(world.kafka) as consumer:
            if dlq_topic(PAYMENTS) in consumer.topics():
                letters, _ = read_letters(consumer, [dlq_topic(PAYMENTS)])
                if any(letter.event_id == event_id for letter in letters):
                    return
        time.sleep(1)
    raise AssertionError(f"event {event_id} was never dead-lettered")


def redriven_copies(world: Ecosystem, event_id: str) -> list[Any]:
    from mercato_cli.events import read_partitions

    with open_reader(world.kafka) as consumer:
        return [
            record
            for record in read_partitions(consumer, [PAYMENTS], last=200)
            if EventEnvelope.from_bytes(record.value).event_id == event_id
            and any(key == HEADER_REDRIVEN_FROM for key, _ in record.headers)
        ]


def test_an_operator_reads_every_view_and_redrives_a_dead_letter(
    world: Ecosystem, console: str, browser: Browser, shoot: Callable[..., None]
) -> None:
    seller = world.seller(stock=10)
    buyer = world.buyer()
    order_id = world.place(buyer, seller.line(quantity=2))
    world.place(buyer, seller.line(quantity=1))
    world.wait_for(buyer, order_id, orders.ORDER_STATUS_PAID)
    world.track(dispatched(world.shipment_of(order_id).shipment_id))
    world.wait_for(buyer, order_id, orders.ORDER_STATUS_SHIPPED)
    poison = poison_release(world)
    wait_until_posted(world, order_id)
    world.audited()
    ledger, metadata = world.ledger, world.operator.metadata

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, console, world.operator.account.email, PASSWORD)
    page.wait_for_url(f"{console}/business")
    cookie = next(c for c in page.context.cookies() if c["name"] == "mercato_console")
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Strict"

    # Every figure as of one journal position: this ledger follows the whole shared broker, so
    # "now" moves while the test reads; a position does not.
    sequence = ledger.GetBalance(
        ledger_pb2.GetBalanceRequest(account="asset:payment_clearing"),
        metadata=metadata,
        timeout=TIMEOUT,
    ).sequence
    as_of = ledger_pb2.AsOf(sequence=sequence)

    # Business: the monthly result (chart and table), GMV per day, the escrow float.
    page.goto(f"{console}/business")
    assert page.locator("#monthly-charts canvas").count() >= 1
    assert page.locator("#gmv-charts canvas").count() >= 1
    page.get_by_label("Journal sequence").fill(str(sequence))
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**/business?*as_of_sequence={sequence}*")
    months = ledger.GetMonthlyResult(
        ledger_pb2.GetMonthlyResultRequest(as_of=as_of), metadata=metadata, timeout=TIMEOUT
    ).months
    assert months
    for line in months:
        row = f'#monthly tr[data-month="{line.month}"][data-currency="{line.net.currency}"]'
        assert minor(page, f"{row} td.revenue data") == line.revenue.minor_units
        assert minor(page, f"{row} td.expenditure data") == line.expenditure.minor_units
        assert minor(page, f"{row} td.net data") == line.net.minor_units
        covers = "yes" if line.advertising_covers_expenditure else "no"
        assert page.locator(f"{row} td.covers").inner_text() == covers
        for stream in line.revenue_by_stream:
            shown = minor(page, f'{row} li[data-stream="{stream.key}"] data')
            assert shown == stream.amount.minor_units
        said = MonthLine.of(line)
        sentence = page.locator(
            f'#advertising-lines li[data-month="{said.month}"][data-currency="{said.currency}"]'
        )
        assert sentence.inner_text() == said.sentence()
    gmv = ledger.GetGrossMerchandiseVolume(
        ledger_pb2.GetGrossMerchandiseVolumeRequest(period=ledger_pb2.PERIOD_DAY, as_of=as_of),
        metadata=metadata,
        timeout=TIMEOUT,
    )
    assert gmv.amounts
    for day in gmv.amounts:
        # one row per day and currency (the shared broker's other orders may be in another)
        row = f'#gmv tr[data-day="{day.period}"][data-currency="{day.amount.currency}"]'
        assert minor(page, f"{row} data") == day.amount.minor_units
        assert page.locator(f"{row} td.count").inner_text() == str(day.count)
    escrow = ledger.GetEscrowFloat(
        ledger_pb2.GetEscrowFloatRequest(as_of=as_of), metadata=metadata, timeout=TIMEOUT
    )
    assert escrow.floats
    for held in escrow.floats:
        row = f'#escrow tr[data-currency="{held.amount.currency}"]'
        assert minor(page, f"{row} data") == held.amount.minor_units
        assert page.locator(f"{row} td.count").inner_text() == str(held.orders)
    shoot(page, "business")

    # Ledger: the trial balance as of a journal position (fixed, so nothing moves), the audit.
    page.goto(f"{console}/ledger")
    page.get_by_label("Journal sequence").fill(str(sequence))
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**/ledger?*as_of_sequence={sequence}*")
    trial = ledger.GetTrialBalance(
        ledger_pb2.GetTrialBalanceRequest(as_of=as_of),
        metadata=metadata,
        timeout=TIMEOUT,
    )
    shown = page.eval_on_selector_all(
        "#trial tr[data-account]",
        """rows => rows.map(row => {
            const amount = row.querySelector("data");
            return [row.dataset.account, amount.dataset.currency, Number(amount.value)];
        })""",
    )
    expected = [
        [row.account, row.balance.currency, row.balance.minor_units] for row in trial.balances
    ]
    assert sorted(shown) == sorted(expected)
    assert page.locator("#balanced").get_attribute("data-balanced") == (
        "yes" if trial.balanced else "no"
    )
    shoot(page, "ledger-as-of")
    # The audit runs now, on a ledger that keeps posting: between one audit before and one after.
    before = world.audited()
    page.goto(f"{console}/ledger")
    after = ledger.Audit(ledger_pb2.AuditRequest(), metadata=metadata, timeout=TIMEOUT)
    assert not before.HasField("broken_link")
    assert not after.HasField("broken_link")
    assert page.locator("#chain").get_attribute("data-chain") == "intact"
    assert before.entries <= int(page.locator("#entries").inner_text()) <= after.entries
    # The running ledger's own check, from its metrics endpoint.
    assert "n/a" not in page.locator("#running-audit").inner_text()
    shoot(page, "ledger")

    # An order's timeline across orders, payments, logistics and the ledger.
    page.goto(f"{console}/order")
    page.get_by_label("Order id").fill(order_id)
    page.get_by_role("button", name="Show").click()
    page.wait_for_selector("#timeline")
    assert page.locator("#order-status").inner_text() == "SHIPPED"
    assert "CAPTURED" in page.locator("#payment").inner_text()
    assert world.shipment_of(order_id).shipment_id in page.locator("#shipment").inner_text()
    escrow_lines = ledger.GetStatement(
        ledger_pb2.GetStatementRequest(account=f"liability:escrow:{order_id}"),
        metadata=metadata,
        timeout=TIMEOUT,
    ).lines
    assert page.locator('#timeline tr[data-service="ledger"]').count() == len(escrow_lines) >= 1
    assert page.locator('#timeline tr[data-service="orders"]').count() >= 3
    assert page.locator('#timeline tr[data-service="logistics"]').count() >= 2
    shoot(page, "order")

    # The fabric: lag, outboxes, dead letters; the poison's letter redriven after confirmation.
    wait_for_dead_letter(world, poison.event_id)
    page.goto(f"{console}/fabric")
    assert page.locator('#services tr[data-service="ledger"]').count() == 1
    outbox = page.locator('#services tr[data-service="orders"] td.outbox').inner_text()
    assert outbox.isdigit()  # from orders' metrics endpoint
    assert page.locator('#services tr[data-service="marketing"] td.outbox').inner_text() == "n/a"
    assert page.locator("#lags tbody tr").count() >= 1
    letter = page.locator(f'#letters tr[data-event-id="{poison.event_id}"]')
    assert "does not add up" in letter.inner_text()
    shoot(page, "fabric")
    letter.get_by_role("link", name="Redrive…").click()
    page.wait_for_selector("#confirm")
    assert not redriven_copies(world, poison.event_id)  # nothing sent before the confirmation
    shoot(page, "redrive-confirm")
    page.get_by_role("button", name="Redrive this event").click()
    assert poison.event_id in page.locator("#redriven").inner_text()
    shoot(page, "redriven")
    assert len(redriven_copies(world, poison.event_id)) == 1


def test_a_wrong_password_and_a_non_operator_are_refused(
    world: Ecosystem, console: str, browser: Browser, shoot: Callable[..., None]
) -> None:
    page = browser.new_page()
    sign_in(page, console, world.operator.account.email, "not the password")
    assert page.locator("#message").inner_text() == "Those details were not accepted."
    assert not page.context.cookies()
    shoot(page, "wrong-password")

    buyer = world.buyer()
    sign_in(page, console, buyer.account.email, PASSWORD)
    assert "Operators only" in page.locator("#message").inner_text()
    assert not page.context.cookies()

    # A buyer's token planted in the cookie: every view refuses it.
    page.context.add_cookies([{"name": "mercato_console", "value": buyer.token, "url": console}])
    for view in ("business", "ledger", "order", "fabric"):
        answer = page.goto(f"{console}/{view}")
        assert answer is not None
        assert answer.status == 403
        assert "Operators only" in page.locator("#message").inner_text()
    shoot(page, "non-operator")

    # A forged token is no sign-in; a redrive without the session's CSRF token is refused.
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "mercato_console", "value": "forged", "url": console}])
    page.goto(f"{console}/business")
    assert page.url.startswith(f"{console}/signin")
    sign_in(page, console, world.operator.account.email, PASSWORD)
    page.wait_for_url(f"{console}/business")
    refused = page.request.post(
        f"{console}/fabric/redrive",
        form={"topic": dlq_topic(PAYMENTS), "partition": "0", "offset": "0", "csrf": "guess"},
    )
    assert refused.status == 403
