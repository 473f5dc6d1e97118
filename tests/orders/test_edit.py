"""Editing a placed order: staged changes become the next version; every refusal leaves the order as it was."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from catalog.models import StockLevel
from orders import hooks
from orders.exceptions import InvalidTransition, OrderValidationError, StaleOrder, StockUnavailable
from orders.models import Allocation, Order, OrderEvent, StagedEdit
from orders.services.cancel import order_cancel
from orders.services.edit import (
    CustomItem,
    EditChanges,
    order_edit_commit,
    order_edit_preview,
    staged_edit_commit,
    staged_edit_get,
    staged_edit_save,
)
from orders.services.payments import order_payment_record
from orders.services.shipping import order_lines_ship
from tests import factories
from tests.factories import ProductFactory, stock
from tests.outbox import outbox_work

pytestmark = pytest.mark.django_db


@pytest.fixture
def cup(tax_rate):
    return ProductFactory(sku="CUP-1", name="Cup", unit_price=Decimal("4.00"), tax_rate=tax_rate)


@pytest.fixture
def order(place_order, product, cup, location):
    stock(product, location, 20)
    stock(cup, location, 20)
    return place_order([(product, 3), (cup, 2)], shipping_fee=Decimal("4.95"))


def _lines(order):
    return {line.sku or line.name: line for line in order.lines.all()}


def _commit(order, changes, **kwargs):
    return order_edit_commit(order_id=order.pk, changes=changes, base_version=order.version, **kwargs)


def _held(line):
    return sum(Allocation.objects.filter(line=line).values_list("quantity", flat=True))


def test_commit_makes_the_next_version_with_the_new_lines_totals_and_reservations(order, staff):
    # given
    mug = _lines(order)["MUG-1"]
    # when
    edited = _commit(
        order,
        EditChanges(
            quantities={mug.pk: 5},
            custom_items=[CustomItem("Gift wrap", Decimal("2.50"), Decimal("21"), 2)],
            shipping_fee=Decimal("0"),
        ),
        actor=staff,
    )
    # then
    edited.refresh_from_db()
    assert (edited.number, edited.version) == (order.number, 2)
    assert edited.total_gross == Decimal("5") * Decimal("12.50") + Decimal("8.00") + Decimal("5.00")
    lines = _lines(edited)
    assert lines["MUG-1"].quantity == 5 and _held(lines["MUG-1"]) == 5
    assert lines["Gift wrap"].product is None and lines["Gift wrap"].gross == Decimal("5.00")
    assert StockLevel.objects.get(product=mug.product).allocated == 5


def test_commit_logs_a_readable_line_by_line_diff(order, staff):
    # given
    lines = _lines(order)
    # when
    _commit(order, EditChanges(quantities={lines["MUG-1"].pk: 5, lines["CUP-1"].pk: 0}), actor=staff)
    # then
    event = order.events.get(type=OrderEvent.Type.EDITED)
    assert event.actor == staff
    assert (event.parameters["version_from"], event.parameters["version_to"]) == (1, 2)
    by_sku = {entry["sku"]: entry for entry in event.parameters["lines"]}
    assert by_sku["MUG-1"]["change"] == "changed"
    assert (by_sku["MUG-1"]["old_quantity"], by_sku["MUG-1"]["new_quantity"]) == (3, 5)
    assert (by_sku["MUG-1"]["old_total"], by_sku["MUG-1"]["new_total"]) == ("37.50", "62.50")
    assert by_sku["CUP-1"]["change"] == "removed"
    assert event.parameters["totals"]["total_gross"] == {"old": "50.45", "new": "67.45"}
    assert "Mug (MUG-1): quantity 3 → 5, total 37.50 → 62.50" in event.parameters["summary"]


def test_commit_adds_a_history_row_for_the_new_version(order, staff):
    # when
    _commit(order, EditChanges(shipping_fee=Decimal("2.00")), actor=staff)
    # then
    newest = order.history.first()
    assert newest.version == 2 and newest.history_change_reason == "Edit: version 2"
    previous = order.history.all()[1]
    assert previous.version == 1
    assert [(c.field, c.old, c.new) for c in newest.diff_against(previous).changes] == [
        ("shipping_fee", Decimal("4.95"), Decimal("2.00"))
    ]


def test_an_order_can_be_edited_again_and_again(order, staff):
    # given
    mug = _lines(order)["MUG-1"]
    # when
    for quantity in (4, 1, 6):
        order.refresh_from_db()
        _commit(order, EditChanges(quantities={mug.pk: quantity}), actor=staff)
    # then
    order.refresh_from_db()
    assert order.version == 4
    assert order.events.filter(type=OrderEvent.Type.EDITED).count() == 3
    assert _held(mug) == 6


def test_removed_line_frees_its_reservation_and_stays_on_the_order_cancelled(order, staff, cup):
    # given
    line = _lines(order)["CUP-1"]
    # when
    _commit(order, EditChanges(quantities={line.pk: 0}), actor=staff)
    # then
    line.refresh_from_db()
    assert (line.quantity_active, line.gross) == (0, Decimal("0.00"))
    assert not Allocation.objects.filter(line=line).exists()
    assert StockLevel.objects.get(product=cup).allocated == 0


def test_adding_a_product_reserves_it(order, staff, tax_rate, location):
    # given
    lamp = ProductFactory(sku="LAMP", name="Lamp", unit_price=Decimal("30.00"), tax_rate=tax_rate)
    stock(lamp, location, 1)
    # when
    _commit(order, EditChanges(added={lamp.pk: 1}), actor=staff)
    # then
    line = order.lines.get(product=lamp)
    assert (line.unit_price, _held(line)) == (Decimal("30.00"), 1)


def test_a_change_that_cannot_be_reserved_is_refused_naming_the_line_and_changes_nothing(order, staff):
    # given
    mug = _lines(order)["MUG-1"]
    # when
    with pytest.raises(StockUnavailable) as refused:
        _commit(order, EditChanges(quantities={mug.pk: 50}, shipping_fee=Decimal("0")), actor=staff)
    # then
    assert "MUG-1 (Mug)" in refused.value.message
    order.refresh_from_db()
    mug.refresh_from_db()
    assert (order.version, order.shipping_fee, mug.quantity, _held(mug)) == (1, Decimal("4.95"), 3, 3)
    assert not order.events.filter(type=OrderEvent.Type.EDITED).exists()


def test_a_stale_version_is_refused_and_asks_to_reload(order, staff):
    # given
    mug = _lines(order)["MUG-1"]
    _commit(order, EditChanges(quantities={mug.pk: 4}), actor=staff)
    # when
    with pytest.raises(StaleOrder) as refused:
        order_edit_commit(order_id=order.pk, changes=EditChanges(quantities={mug.pk: 1}), base_version=1)
    # then
    assert "Reload" in refused.value.message
    mug.refresh_from_db()
    assert mug.quantity == 4


def test_a_cancelled_order_is_refused(order, staff):
    order_cancel(order_id=order.pk)
    with pytest.raises(InvalidTransition, match="cancelled"):
        _commit(order, EditChanges(shipping_fee=Decimal("1")), actor=staff)


def test_a_fully_shipped_order_is_refused(order, staff):
    # given
    order_lines_ship(order_id=order.pk, quantities={line.pk: line.quantity for line in order.lines.all()})
    # when / then
    with pytest.raises(InvalidTransition, match="fully shipped"):
        _commit(order, EditChanges(shipping_fee=Decimal("1")), actor=staff)


def test_a_quantity_below_what_was_shipped_is_refused(order, staff):
    # given
    mug = _lines(order)["MUG-1"]
    order_lines_ship(order_id=order.pk, quantities={mug.pk: 2})
    # when / then
    with pytest.raises(OrderValidationError, match="2 unit\\(s\\) were already shipped"):
        _commit(order, EditChanges(quantities={mug.pk: 1}), actor=staff)


def test_removing_a_line_with_shipped_units_is_refused(order, staff):
    # given
    mug = _lines(order)["MUG-1"]
    order_lines_ship(order_id=order.pk, quantities={mug.pk: 1})
    # when / then
    with pytest.raises(OrderValidationError, match="shipped unit\\(s\\) and cannot be removed"):
        _commit(order, EditChanges(quantities={mug.pk: 0}), actor=staff)


def test_an_edit_that_changes_nothing_is_refused(order, staff):
    mug = _lines(order)["MUG-1"]
    with pytest.raises(OrderValidationError, match="Nothing to commit"):
        _commit(order, EditChanges(quantities={mug.pk: 3}), actor=staff)


def test_addresses_are_not_part_of_an_edit():
    # then: the staged changes have no place for an address, so an edit can never change one
    assert not any("address" in name or "billing" in name for name in EditChanges.__dataclass_fields__)


def test_a_registered_guard_refuses_the_edit_with_its_reason(order, staff):
    # given: a higher app (invoicing) refuses edits of orders with a sent invoice
    def invoice_sent(order, operation, change):
        return f"Order {order.number} has a sent invoice; cancel it with a credit invoice first."

    hooks.register_guard("edit", "test.invoice_sent", invoice_sent)
    try:
        # when / then
        with pytest.raises(InvalidTransition, match="has a sent invoice"):
            _commit(order, EditChanges(shipping_fee=Decimal("1")), actor=staff)
    finally:
        hooks.unregister("edit", "test.invoice_sent")
    order.refresh_from_db()
    assert order.version == 1


def test_registered_hooks_run_inside_the_commit(order, staff):
    # given: a higher app voids a draft invoice after an edit
    seen = []

    def void_draft_invoice(context):
        seen.append((context.order.number, context.order.version, context.actor))

    hooks.register_hook("edit", "test.void_draft_invoice", void_draft_invoice)
    try:
        # when
        _commit(order, EditChanges(shipping_fee=Decimal("1")), actor=staff)
    finally:
        hooks.unregister("edit", "test.void_draft_invoice")
    # then
    assert seen == [(order.number, 2, staff)]


def test_a_failing_hook_rolls_the_edit_back(order, staff):
    def broken(context):
        raise OrderValidationError("The draft invoice could not be voided.")

    hooks.register_hook("edit", "test.broken", broken)
    try:
        with pytest.raises(OrderValidationError):
            _commit(order, EditChanges(shipping_fee=Decimal("1")), actor=staff)
    finally:
        hooks.unregister("edit", "test.broken")
    order.refresh_from_db()
    assert (order.version, order.shipping_fee) == (1, Decimal("4.95"))


def test_a_higher_total_than_paid_shows_the_balance_due(order, staff):
    # given
    order_payment_record(order_id=order.pk, amount=order.total_gross, method="card")
    order.refresh_from_db()
    # when
    _commit(order, EditChanges(shipping_fee=Decimal("10.00")), actor=staff)
    # then
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PARTIALLY_PAID
    assert order.balance_due == Decimal("5.05")


def test_a_lower_total_than_paid_is_owed_to_the_customer(order, staff):
    # given
    order_payment_record(order_id=order.pk, amount=order.total_gross, method="card")
    order.refresh_from_db()
    # when
    _commit(order, EditChanges(quantities={_lines(order)["CUP-1"].pk: 0}), actor=staff)
    # then
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.REFUND_DUE
    assert order.balance_due == Decimal("-8.00")


def test_preview_shows_the_new_totals_and_keeps_nothing(order):
    # given
    mug = _lines(order)["MUG-1"]
    # when
    preview = order_edit_preview(order_id=order.pk, changes=EditChanges(quantities={mug.pk: 4}))
    # then
    assert preview.error is None
    assert preview.totals["total_gross"] == Decimal("62.95")
    assert preview.available[mug.product_id] == 20  # 17 sellable + the 3 this order holds
    order.refresh_from_db()
    mug.refresh_from_db()
    assert (order.version, order.total_gross, mug.quantity, _held(mug)) == (1, Decimal("50.45"), 3, 3)


def test_preview_reports_a_refusal_without_raising(order):
    mug = _lines(order)["MUG-1"]
    preview = order_edit_preview(order_id=order.pk, changes=EditChanges(quantities={mug.pk: 99}))
    assert isinstance(preview.error, StockUnavailable)
    assert preview.available[mug.product_id] == 20


def test_a_staged_edit_commits_and_is_then_gone(order, staff):
    # given
    staged = staged_edit_get(order=order, staff=staff)
    staged_edit_save(staged=staged, changes=EditChanges(shipping_fee=Decimal("0")), note="Free shipping", notify=False)
    # when
    staged_edit_commit(staged=StagedEdit.objects.get(pk=staged.pk), base_version=1, actor=staff)
    # then
    order.refresh_from_db()
    assert order.shipping_fee == Decimal("0.00")
    assert not StagedEdit.objects.exists()
    event = order.events.get(type=OrderEvent.Type.EDITED)
    assert (event.parameters["note"], event.parameters["customer_notified"]) == ("Free shipping", False)


@pytest.fixture
def endpoint(db):
    from notifications.models import WebhookEndpoint

    return WebhookEndpoint.objects.create(
        name="ERP", url="https://erp.example.com/hook", event_types=["order.edited", "order.split"]
    )


def test_commit_emails_the_customer_the_new_lines_with_the_note_and_tells_webhooks(order, staff, endpoint):
    # given
    from notifications.models import Message, WebhookDelivery

    mug = _lines(order)["MUG-1"]
    # when
    _commit(order, EditChanges(quantities={mug.pk: 5}), actor=staff, note="We added two mugs as you asked.")
    outbox_work()  # after commit: the worker renders the e-mail and fans the webhook event out
    # then
    message = Message.objects.get(kind="order_edited")
    assert message.to == order.customer.email
    assert "We added two mugs as you asked." in message.body_text
    assert "5 x Mug (MUG-1)  EUR 62.50" in message.body_text and "Total: EUR 75.45" in message.body_text
    delivery = WebhookDelivery.objects.get(event_type="order.edited")
    assert (delivery.payload["order_number"], delivery.payload["version"]) == (order.number, 2)
    assert order.events.filter(type=OrderEvent.Type.EMAIL_QUEUED, parameters__kind="order_edited").count() == 1


def test_staff_may_choose_not_to_notify_the_customer_but_webhooks_still_hear(order, staff, endpoint):
    from notifications.models import Message, WebhookDelivery

    _commit(order, EditChanges(shipping_fee=Decimal("0")), actor=staff, notify=False)
    outbox_work()
    assert not Message.objects.filter(kind__in=["order_edited", "order_split"]).exists()
    assert WebhookDelivery.objects.filter(event_type="order.edited").count() == 1


def test_preview_shows_the_customer_email_with_the_new_totals_and_the_note(order):
    # given
    mug = _lines(order)["MUG-1"]
    # when
    preview = order_edit_preview(order_id=order.pk, changes=EditChanges(quantities={mug.pk: 5}), note="Thanks!")
    # then
    subject, text, _ = preview.email
    assert order.number in subject
    assert "Thanks!" in text and "Total: EUR 75.45" in text


# --- the Edit and Split pages in the admin ------------------------------------------------------------


def _staff(email, *codenames):
    user = factories.StaffFactory(email=email)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="orders", codename__in=codenames))
    return user


@pytest.fixture
def editor(db):
    return _staff("editor@example.com", "view_order", "change_order", "edit_order", "split_order")


@pytest.fixture
def one_line_order(place_order, product, location):
    factories.stock(product, location, 20)
    return place_order([(product, 3)], shipping_fee=Decimal("4.95"))


def _url(order, slug):
    return reverse("admin:orders_order_page", args=(order.pk, slug))


def test_staff_without_the_edit_permission_get_403_and_nothing_changes(client, one_line_order):
    order = one_line_order
    # given
    client.force_login(_staff("viewer@example.com", "view_order", "change_order"))
    line = order.lines.get()
    # when
    response = client.post(_url(order, "edit"), {"action": "commit", f"qty_{line.pk}": "5", "base_version": "1"})
    # then
    assert response.status_code == 403
    assert client.get(_url(order, "split")).status_code == 403
    order.refresh_from_db()
    assert order.version == 1 and not StagedEdit.objects.exists()


def test_staging_shows_the_new_totals_and_commit_saves_the_next_version(client, editor, one_line_order):
    order = one_line_order
    # given
    client.force_login(editor)
    line = order.lines.get()
    # when: a change is staged (htmx partial update)
    partial = client.post(
        _url(order, "edit"), {"action": "update", f"qty_{line.pk}": "5", "notify": "on"}, HTTP_HX_REQUEST="true"
    )
    # then: the workspace alone comes back with the new total, and nothing was saved
    assert partial.status_code == 200
    assert b'id="new-total">67.45<' in partial.content and b"<html" not in partial.content
    assert b"Your order" in partial.content  # the e-mail preview
    order.refresh_from_db()
    assert order.total_gross == Decimal("42.45")
    # when: a custom item is added and the stage committed
    client.post(
        _url(order, "edit"),
        {"action": "add_custom", f"qty_{line.pk}": "5", "custom_name": "Gift wrap", "custom_price": "2.50",
         "custom_tax_rate": "21", "custom_qty": "1", "notify": "on"},
    )  # fmt: skip
    response = client.post(_url(order, "edit"), {"action": "commit", f"qty_{line.pk}": "5", "base_version": "1"})
    # then
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.version, order.total_gross) == (2, Decimal("69.95"))
    assert not StagedEdit.objects.exists()


def test_discard_drops_the_staged_changes(client, editor, one_line_order):
    order = one_line_order
    client.force_login(editor)
    line = order.lines.get()
    client.post(_url(order, "edit"), {"action": "update", f"qty_{line.pk}": "5"})
    client.post(_url(order, "edit"), {"action": "discard"})
    order.refresh_from_db()
    assert order.version == 1 and not StagedEdit.objects.exists()


def test_posted_address_fields_are_ignored_by_an_edit(client, editor, one_line_order):
    order = one_line_order
    client.force_login(editor)
    client.post(_url(order, "edit"), {"action": "commit", "shipping_fee": "0", "shipping_street": "Elsewhere 9",
                                      "base_version": "1"})  # fmt: skip
    order.refresh_from_db()
    assert (order.version, order.shipping_fee, order.shipping_street) == (2, Decimal("0.00"), "Main street 1")


def test_a_stale_commit_is_refused_with_a_message_to_reload(client, editor, one_line_order):
    order = one_line_order
    # given: another staff member committed after this stage was made
    client.force_login(editor)
    line = order.lines.get()
    client.post(_url(order, "edit"), {"action": "update", f"qty_{line.pk}": "5"})
    from orders.services.edit import EditChanges, order_edit_commit

    order_edit_commit(order_id=order.pk, changes=EditChanges(shipping_fee=Decimal("0")), base_version=1)
    # when
    response = client.post(
        _url(order, "edit"), {"action": "commit", f"qty_{line.pk}": "5", "base_version": "1"}, follow=True
    )
    # then
    assert "Reload the order" in response.content.decode()
    line.refresh_from_db()
    assert line.quantity == 3


def test_the_split_page_moves_units_into_a_new_order(client, editor, one_line_order):
    order = one_line_order
    # given
    client.force_login(editor)
    line = order.lines.get()
    # when
    response = client.post(_url(order, "split"), {f"move_{line.pk}": "1", "reason": "ship_later", "note": ""})
    # then
    child = Order.objects.get(parent=order)
    assert response.status_code == 302 and response["Location"].endswith(f"/{child.pk}/change/")
    assert child.lines.get().quantity == 1


def test_the_split_page_reports_a_refusal(client, editor, one_line_order):
    order = one_line_order
    client.force_login(editor)
    line = order.lines.get()
    response = client.post(_url(order, "split"), {f"move_{line.pk}": "3", "reason": "backorder"}, follow=True)
    assert "would leave order" in response.content.decode()
    assert not Order.objects.filter(parent=order).exists()


def test_edit_and_split_buttons_show_on_the_order_for_staff_who_may_use_them(client, editor, one_line_order):
    order = one_line_order
    client.force_login(editor)
    content = client.get(reverse("admin:orders_order_change", args=(order.pk,))).content.decode()
    assert _url(order, "edit") in content and _url(order, "split") in content
