"""The one guard and hook registry (orders/hooks.py), the question the admin asks (`may`), the admin page
registry's slugs, and the rules that keep every lock and every event in one place."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction
from django.urls import reverse

from catalog.models import StockLevel, StockMovement
from orders import admin_pages, hooks
from orders.admin_pages import OrderPage
from orders.exceptions import InvalidTransition, OrderValidationError
from orders.models import Order, OrderEvent, OrderPayment, SplitReason
from orders.services.cancel import order_cancel
from orders.services.payments import order_payment_record
from orders.services.shipping import order_lines_ship
from orders.services.split import order_split
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
HELD = "Order {number} is on hold at the warehouse."


@pytest.fixture
def registered():
    """Register guards and hooks for one test: registered(kind, operation, name, func, **options)."""
    names = []

    def register(kind, operation, name, func, **options):
        getattr(hooks, f"register_{kind}")(operation, name, func, **options)
        names.append((operation, name))

    yield register
    for operation, name in names:
        hooks.unregister(operation, name)


@pytest.fixture
def placed(place_order, product, location):
    factories.stock(product, location, 10)
    return place_order([(product, 3)])


def on_hold(order, operation, change):
    return HELD.format(number=order.number)


def snapshot(order):
    order = Order.objects.get(pk=order.pk)
    return (
        order.status,
        order.amount_paid,
        order.total_gross,
        order.version,
        OrderEvent.objects.filter(order=order).count(),
        OrderPayment.objects.filter(order=order).count(),
        list(StockLevel.objects.order_by("pk").values_list("on_hand", "allocated")),
        StockMovement.objects.count(),
    )


# --- the registry -------------------------------------------------------------------------------------


def test_registering_a_name_twice_raises_and_keeps_the_first(registered):
    # given
    registered("guard", "cancel", "test.hold", on_hold)
    registered("hook", "cancel", "test.note", lambda context: None)
    # when / then
    with pytest.raises(ValueError, match="already registered"):
        hooks.register_guard("cancel", "test.hold", lambda *args: None)
    with pytest.raises(ValueError, match="already registered"):
        hooks.register_hook("cancel", "test.note", lambda context: None, when="on_commit")
    assert hooks._guards["cancel"]["test.hold"] is on_hold


def test_unknown_operations_and_moments_are_refused():
    with pytest.raises(ValueError, match="Unknown operation 'sell'"):
        hooks.register_guard("sell", "test.x", on_hold)
    with pytest.raises(ValueError, match="when must be one of"):
        hooks.register_hook("ship", "test.x", lambda context: None, when="later")


@pytest.mark.parametrize(
    "operation, act",
    [
        ("cancel", lambda order: order_cancel(order_id=order.pk, reason="customer asked")),
        ("payment", lambda order: order_payment_record(order_id=order.pk, amount=Decimal("5.00"), method="card")),
        ("ship", lambda order: order_lines_ship(order_id=order.pk, quantities={order.lines.get().pk: 1})),
        (
            "split",
            lambda order: order_split(
                order_id=order.pk, quantities={order.lines.get().pk: 1}, reason=SplitReason.OTHER, notify=False
            ),
        ),
    ],
)
def test_a_guard_refuses_the_operation_with_its_sentence_and_nothing_changes(registered, placed, operation, act):
    # given: another app holds the order for this operation
    registered("guard", operation, "test.hold", on_hold)
    before = snapshot(placed)
    # when / then
    with pytest.raises(InvalidTransition) as refusal:
        act(placed)
    assert str(refusal.value) == HELD.format(number=placed.number)
    assert snapshot(placed) == before


def test_guards_receive_the_order_the_operation_and_the_proposed_change(registered, placed):
    # given
    seen = []
    registered(
        "guard", "payment", "test.spy", lambda order, operation, change: seen.append((order.pk, operation, change))
    )
    # when
    order_payment_record(order_id=placed.pk, amount=Decimal("5"), method="card")
    # then
    assert seen == [(placed.pk, "payment", Decimal("5.00"))]


def test_the_state_check_comes_before_the_guards_and_reads_the_same_in_service_and_admin(registered, placed, finance):
    # given: a cancelled order, and a guard that would refuse too
    order_cancel(order_id=placed.pk, reason="test")
    registered("guard", "payment", "test.hold", on_hold)
    order = Order.objects.get(pk=placed.pk)
    # when
    with pytest.raises(InvalidTransition) as refusal:
        order_payment_record(order_id=order.pk, amount=Decimal("1"), method="card")
    allowed, reason = hooks.may(finance, "payment", order)
    # then
    assert str(refusal.value) == reason == f"Order {order.number} is cancelled; payments need a placed order."
    assert allowed is False


def test_in_transaction_hooks_see_the_change_and_a_failing_one_rolls_it_back(registered, placed):
    # given
    seen = []
    registered("hook", "cancel", "test.seen", lambda c: seen.append((c.operation, c.order.status, c.change)))
    registered("hook", "cancel", "test.broken", lambda c: (_ for _ in ()).throw(OrderValidationError("no")))
    before = snapshot(placed)
    # when
    with pytest.raises(OrderValidationError):
        order_cancel(order_id=placed.pk, reason="customer asked")
    # then: the first hook ran inside the cancellation, the second undid all of it
    assert seen == [("cancel", Order.Status.CANCELED, {"reason": "customer asked"})]
    assert snapshot(placed) == before


def test_a_split_hook_receives_both_orders(registered, placed):
    # given
    seen = []
    registered("hook", "split", "test.seen", lambda c: seen.append((c.order.pk, c.child.parent_id, c.child.number)))
    # when
    child = order_split(order_id=placed.pk, quantities={placed.lines.get().pk: 1}, reason=SplitReason.OTHER)
    # then
    assert seen == [(placed.pk, placed.pk, child.number)]


@pytest.mark.django_db(transaction=True)
def test_an_on_commit_hook_runs_only_after_the_commit_and_never_after_a_rollback(registered, placed):
    # given
    seen = []
    registered("hook", "payment", "test.receipt", lambda c: seen.append(c.change.amount), when="on_commit")
    # when: a payment inside an outer transaction
    with transaction.atomic():
        order_payment_record(order_id=placed.pk, amount=Decimal("2"), method="card")
        during = list(seen)
    # then
    assert (during, seen) == ([], [Decimal("2.00")])
    # when: a payment whose transaction rolls back
    with pytest.raises(RuntimeError), transaction.atomic():
        order_payment_record(order_id=placed.pk, amount=Decimal("3"), method="card")
        raise RuntimeError
    # then
    assert seen == [Decimal("2.00")]
    assert OrderPayment.objects.filter(order=placed).count() == 1


# --- the admin asks the same question ---------------------------------------------------------------


def tools(client, order) -> list[str]:
    response = client.get(reverse("admin:orders_order_change", args=(order.pk,)))
    assert response.status_code == 200
    return [tool["label"] for tool in response.context["order_tools"]]


def test_may_names_the_missing_permission(warehouse, placed):
    assert hooks.may(warehouse, "cancel", placed) == (False, "You do not have permission to cancel orders.")


def test_a_button_shows_only_while_its_action_is_allowed(client, superuser, registered, placed):
    # given
    client.force_login(superuser)
    assert tools(client, placed) == ["Record payment", "Cancel order", "Edit order", "Split order"]
    # when: other apps refuse cancelling and splitting this order
    registered("guard", "cancel", "test.hold", on_hold)
    registered("guard", "split", "test.hold", on_hold)
    # then
    assert tools(client, placed) == ["Record payment", "Edit order"]


def test_a_refused_action_page_says_the_guards_sentence_and_changes_nothing(client, desk, registered, placed):
    # given
    client.force_login(desk)
    registered("guard", "cancel", "test.hold", on_hold)
    before = snapshot(placed)
    url = reverse("admin:orders_order_page", args=(placed.pk, "cancel"))
    # when: the page is opened from an old tab, and its form posted anyway
    opened = client.get(url, follow=True)
    posted = client.post(url, {"reason": "customer asked"}, follow=True)
    # then: both say the same sentence as the service
    sentence = HELD.format(number=placed.number)
    assert [str(m) for m in opened.context["messages"]] == [sentence]
    assert [str(m) for m in posted.context["messages"]] == [sentence]
    assert snapshot(placed) == before


def test_a_shipped_order_offers_no_cancel_or_edit_and_its_lines_no_cancel(client, superuser, placed):
    # given
    order_lines_ship(order_id=placed.pk, quantities={placed.lines.get().pk: 3})
    client.force_login(superuser)
    # when
    labels = tools(client, placed)
    articles = client.get(reverse("admin:orders_order_page", args=(placed.pk, "articles")))
    # then: nothing to cancel or edit; its shipped units can come back (returns' "return" operation)
    assert labels == ["Record payment", "Create return"]
    assert all(row["cancel_form"] is None for row in articles.context["rows"])


# --- the admin page registry ---------------------------------------------------------------------------


def test_a_duplicate_page_slug_is_refused():
    with pytest.raises(ValueError, match="slug 'articles' is already registered"):
        admin_pages.register(OrderPage("articles", "Lines", lambda *args: None))


def test_a_page_may_replace_a_placeholder_only_when_it_says_so(monkeypatch):
    # given: a placeholder tab of its own (the apps have replaced every real placeholder by now)
    monkeypatch.setattr(admin_pages, "PAGES", dict(admin_pages.PAGES))
    admin_pages.register(OrderPage("later", "Later", lambda *args: None, position=85, placeholder=True))
    real = OrderPage("later", "Later", lambda *args: None, position=85, replaces_placeholder=True)
    # when / then
    with pytest.raises(ValueError):
        admin_pages.register(OrderPage("later", "Later", lambda *args: None))
    admin_pages.register(real)
    assert admin_pages.PAGES["later"] is real
    # and a placeholder registered after the real page is ignored; the real page cannot be replaced again
    admin_pages.register(OrderPage("later", "Later", lambda *args: None, placeholder=True))
    assert admin_pages.PAGES["later"] is real
    with pytest.raises(ValueError):
        admin_pages.register(OrderPage("later", "Later", lambda *args: None, replaces_placeholder=True))


# --- one place for locks and events -------------------------------------------------------------------


def _sources(*packages: str):
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT).as_posix(), path.read_text()


def test_order_events_are_created_only_in_orders_events():
    creating = re.compile(
        r"(?<!class )OrderEvent\(|OrderEvent\.objects\.(create|bulk_create|get_or_create|update_or_create)"
    )
    apps = ("oms", "notifications", "catalog", "orders", "fulfillment", "invoicing", "returns", "storefront")
    offenders = [path for path, text in _sources(*apps) if creating.search(text) and path != "orders/events.py"]
    assert offenders == []


def test_orders_and_stock_levels_are_locked_only_by_the_lock_primitive():
    # In orders and catalog nothing else locks, but for rows that are neither an order nor stock: a channel's
    # API token (channels.py), a customer being invited (customers.py), low-stock alerts being e-mailed
    # (stock_alerts.py); the apps above may lock their own rows, never an order, a line, an allocation or a
    # stock level.
    allowed = {"orders/services/locks.py", "orders/services/channels.py", "catalog/services.py",
               "orders/services/customers.py", "orders/services/stock_alerts.py"}  # fmt: skip
    core = [path for path, text in _sources("orders", "catalog") if "select_for_update" in text]
    order_rows = re.compile(r"\b(Order|OrderLine|Allocation|StockLevel)\.objects\.select_for_update")
    above = [path for path, text in _sources("fulfillment", "invoicing", "returns") if order_rows.search(text)]
    assert [path for path in core if path not in allowed] + above == []
