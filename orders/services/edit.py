"""Editing a placed order: staged changes, a preview of their effect, and a commit that makes the next version.

What an edit may change: the quantity of a line (0 removes it), new product lines at the catalogue price,
custom items (name, price, tax rate, quantity) and the shipping fee. Addresses, prices of existing lines
and discounts are not part of an edit. The order keeps its number; `version` goes up by one per commit.

A removed line is kept with all its units cancelled (orders and their lines are never deleted), so the
log and the history still show it. Money follows the rules in `orders.pricing`: units edited away take
their share of the line and order discounts with them, added units come at full price (no part of the
order discount), and only the lines whose quantity changed are priced again; an untouched line never
moves by a cent. An edit that leaves no active unit on the order is refused: "Cancel order" does that.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum

from catalog.models import Product, StockLevel
from notifications.models import EmailKind
from notifications.services import email_render
from oms import bounds
from oms.money import ZERO, quantize

from .. import events, hooks
from ..exceptions import InvalidTransition, OrderError, OrderValidationError, StaleOrder, StockUnavailable
from ..models import Allocation, Order, OrderEvent, OrderLine, StagedEdit
from ..notify import order_email_context, order_notify
from ..pricing import LINE_AMOUNT_FIELDS, REPRICED_FIELDS, line_reduce, order_has_active_units, order_reprice
from .allocation import allocation_sync
from .locks import Locked, order_lock
from .placement import line_fill_from_product
from .rows import rows_create, rows_update
from .split import family_expected_adjust, family_total_check
from .status import order_statuses_refresh

Source = OrderEvent.Source


@dataclass
class CustomItem:
    name: str
    unit_price: Decimal
    tax_rate: Decimal
    quantity: int


@dataclass
class EditChanges:
    """Staged changes. `quantities` maps a line id to its new quantity (ordered minus cancelled; 0 removes)."""

    quantities: dict[int, int] = field(default_factory=dict)
    added: dict[int, int] = field(default_factory=dict)  # product id -> quantity
    custom_items: list[CustomItem] = field(default_factory=list)
    shipping_fee: Decimal | None = None

    def is_empty(self) -> bool:
        return not (self.quantities or self.added or self.custom_items) and self.shipping_fee is None

    def to_json(self) -> dict:
        return {
            "quantities": {str(k): v for k, v in self.quantities.items()},
            "added": {str(k): v for k, v in self.added.items()},
            "custom_items": [
                {"name": c.name, "unit_price": str(c.unit_price), "tax_rate": str(c.tax_rate), "quantity": c.quantity}
                for c in self.custom_items
            ],
            "shipping_fee": None if self.shipping_fee is None else str(self.shipping_fee),
        }

    @classmethod
    def from_json(cls, data: dict) -> "EditChanges":
        fee = data.get("shipping_fee")
        return cls(
            quantities={int(k): int(v) for k, v in (data.get("quantities") or {}).items()},
            added={int(k): int(v) for k, v in (data.get("added") or {}).items()},
            custom_items=[
                CustomItem(c["name"], Decimal(c["unit_price"]), Decimal(c["tax_rate"]), int(c["quantity"]))
                for c in data.get("custom_items") or []
            ],
            shipping_fee=None if fee in (None, "") else Decimal(fee),
        )


@dataclass
class EditPreview:
    """What a commit of the changes would do, computed without keeping anything."""

    order: Order
    diff: dict | None = None
    error: OrderError | None = None
    totals: dict = field(default_factory=dict)
    lines: list[OrderLine] = field(default_factory=list)
    available: dict[int, int] = field(default_factory=dict)  # product id -> units this order could hold
    email: tuple[str, str, str] | None = None  # (subject, text, html) of the customer's e-mail


# --- refusals -----------------------------------------------------------------------------------------


def edit_refusal(order: Order) -> str | None:
    """Why this order cannot be edited at all, or None: `orders.rules` and the guards in `orders.hooks`."""
    return hooks.refusal("edit", order)


def _set_quantity(line: OrderLine, quantity: int) -> None:
    if quantity < 0:
        raise OrderValidationError(f"Line '{line.name}': the quantity cannot be negative.")
    if quantity == 0 and line.quantity_shipped:
        raise OrderValidationError(
            f"Line '{line.name}' has {line.quantity_shipped} shipped unit(s) and cannot be removed."
        )
    if quantity < line.quantity_shipped:
        raise OrderValidationError(
            f"Line '{line.name}': {line.quantity_shipped} unit(s) were already shipped; "
            f"the quantity cannot go below {line.quantity_shipped}."
        )
    line_reduce(line, quantity)
    if quantity == 0:
        line.quantity_canceled = line.quantity  # removed: kept on the order with every unit cancelled
    else:
        line.quantity = quantity + line.quantity_canceled


def _new_lines(order: Order, changes: EditChanges, position: int) -> list[OrderLine]:
    products = Product.objects.select_related("tax_rate").in_bulk(list(changes.added))
    new: list[OrderLine] = []
    for product_id, quantity in changes.added.items():
        product = products.get(product_id)
        if product is None or not product.active:
            raise OrderValidationError(f"Product {product_id} does not exist or is not for sale.")
        new.append(OrderLine(order=order, product=product, quantity=quantity, unit_price=None, tax_rate=None))
        line_fill_from_product(new[-1])
    for item in changes.custom_items:
        if not item.name.strip() or item.unit_price < 0 or item.tax_rate < 0:
            raise OrderValidationError("A custom item needs a name, a price and a tax rate of zero or more.")
        new.append(
            OrderLine(
                order=order,
                name=item.name.strip(),
                quantity=item.quantity,
                unit_price=quantize(item.unit_price),
                tax_rate=item.tax_rate,
            )
        )
    for offset, line in enumerate(new, start=1):
        if line.quantity < 1:
            raise OrderValidationError(f"New line '{line.name}': the quantity must be at least 1.")
        line.position = position + offset
    return new


# --- the change itself -----------------------------------------------------------------------------------


def _snapshot(line: OrderLine) -> dict:
    return {"quantity": line.quantity_active, "unit_price": line.unit_price, "gross": line.gross}


def _totals(order: Order) -> dict:
    return {
        "shipping_fee": order.shipping_fee,
        "lines_gross": order.lines_gross,
        "discount_total": order.discount_total,
        "total_net": order.total_net,
        "total_tax": order.total_tax,
        "total_gross": order.total_gross,
    }


def _line_diff(line: OrderLine, old: dict | None) -> dict | None:
    new = _snapshot(line)
    if old == new:
        return None
    old = old or {"quantity": 0, "unit_price": None, "gross": ZERO}
    change = "added" if old["unit_price"] is None else "removed" if new["quantity"] == 0 else "changed"
    return {
        "line_id": line.pk,
        "sku": line.sku,
        "name": line.name,
        "change": change,
        "old_quantity": old["quantity"],
        "new_quantity": new["quantity"],
        "old_unit_price": old["unit_price"],
        "new_unit_price": new["unit_price"],
        "old_total": old["gross"],
        "new_total": new["gross"],
    }


def _summary(entry: dict) -> str:
    label = f"{entry['name']} ({entry['sku']})" if entry["sku"] else entry["name"]
    if entry["change"] == "added":
        return f"Added {label}: {entry['new_quantity']} × {entry['new_unit_price']} = {entry['new_total']}"
    if entry["change"] == "removed":
        return f"Removed {label}: was {entry['old_quantity']} × {entry['old_unit_price']} = {entry['old_total']}"
    return (
        f"{label}: quantity {entry['old_quantity']} → {entry['new_quantity']}, "
        f"total {entry['old_total']} → {entry['new_total']}"
    )


STORED_FIELDS = ["quantity", "quantity_canceled", "discount_amount", *LINE_AMOUNT_FIELDS]


def _stored(line: OrderLine) -> dict:
    return {name: getattr(line, name) for name in STORED_FIELDS}


def _save_changed(lines: list[OrderLine], stored: dict[int, dict]) -> None:
    """One UPDATE for the lines whose stored values changed, of only the fields that changed.

    A re-shared order discount may move many lines by a cent, but an order without one touches only the
    edited lines; either way the statement stays one, and small.
    """
    changed, fields = [], set()
    for line in lines:
        diff = {name for name, value in stored[line.pk].items() if getattr(line, name) != value}
        if diff:
            changed.append(line)
            fields |= diff
    if changed:
        rows_update(OrderLine, changed, sorted(fields))


@dataclass
class _Plan:
    """The changes worked out in memory: the lines priced as they would be stored, nothing written yet."""

    lines: list[OrderLine]
    new: list[OrderLine]
    touched: list[OrderLine]
    stored: dict[int, dict]
    old_totals: dict
    line_diff: list[dict]


def _plan(order: Order, changes: EditChanges) -> _Plan:
    """Apply the changes to `order` and its lines in memory, priced by orders.pricing (reads, never writes).

    The commit stores exactly this; the preview shows it. Raises OrderError for a refused change.
    """
    reason = edit_refusal(order)
    if reason:
        raise InvalidTransition(reason)
    lines = list(order.lines.select_related("product").order_by("position", "pk"))
    by_id = {line.pk: line for line in lines}
    before = {line.pk: _snapshot(line) for line in lines}
    stored = {line.pk: _stored(line) for line in lines}
    old_totals = _totals(order)
    touched = []
    for line_id, quantity in sorted(changes.quantities.items()):
        if line_id not in by_id:
            raise OrderValidationError(f"Order {order.number} has no line {line_id}.")
        if quantity == by_id[line_id].quantity_active:
            continue  # unchanged: the line is not touched, so never re-priced (orders/pricing.py rule 2)
        _set_quantity(by_id[line_id], quantity)
        touched.append(by_id[line_id])
    new = _new_lines(order, changes, position=max((line.position for line in lines), default=0))
    if changes.shipping_fee is not None:
        if changes.shipping_fee < 0:
            raise OrderValidationError("The shipping fee cannot be negative.")
        order.shipping_fee = quantize(changes.shipping_fee)
    if not order_has_active_units([*lines, *new]):
        raise OrderValidationError(
            f"This edit would leave order {order.number} without any unit. "
            'To stop the whole order, use "Cancel order" instead.'
        )
    order_reprice(order, [*lines, *new], changed=[*touched, *new])
    line_diff = [d for line in [*lines, *new] if (d := _line_diff(line, before.get(line.pk)))]
    if not line_diff and order.shipping_fee == old_totals["shipping_fee"]:
        raise OrderValidationError("Nothing to commit: the staged changes leave the order as it is.")
    return _Plan(lines, new, touched, stored, old_totals, line_diff)


def _diff(order: Order, plan: _Plan, reserved: list[dict], released: list[dict]) -> dict:
    old_totals, new_totals = plan.old_totals, _totals(order)
    summary = [_summary(entry) for entry in plan.line_diff]
    for key in ("shipping_fee", "total_gross"):
        if old_totals[key] != new_totals[key]:
            summary.append(f"{key.replace('_', ' ').capitalize()}: {old_totals[key]} → {new_totals[key]}")
    return {
        "version_from": order.version - 1,
        "version_to": order.version,
        "lines": plan.line_diff,
        "totals": {key: {"old": old_totals[key], "new": new_totals[key]} for key in new_totals},
        "summary": summary,
        "reserved": reserved,
        "released": released,
        "balance_due": order.balance_due,
        "refund_due": order.refund_due,
    }


def _apply(locked: Locked, changes: EditChanges, *, actor) -> tuple[dict, list[OrderLine]]:
    """Apply the changes to the locked order; return the diff and all its lines (as stored now).
    Raises OrderError; the caller rolls back."""
    order = locked.order
    plan = _plan(order, changes)
    lines, new, touched, stored, old_totals, line_diff = (
        plan.lines, plan.new, plan.touched, plan.stored, plan.old_totals, plan.line_diff
    )  # fmt: skip
    family_total_check(root=locked.root, delta=order.total_gross - old_totals["total_gross"])
    _save_changed(lines, stored)
    rows_create(OrderLine, new, actor=actor)
    for entry, line in zip(line_diff[len(line_diff) - len(new) :], new, strict=True):
        entry["line_id"] = line.pk
    reserved, released = allocation_sync(order=order, lines=[*touched, *new], locked=locked, actor=actor)
    order.version += 1
    changed = order_statuses_refresh(order, [*lines, *new])
    order._change_reason = f"Edit: version {order.version}"
    order.save(update_fields=[*REPRICED_FIELDS, "version", *changed, "updated_at"])
    family_expected_adjust(order=order, delta=order.total_gross - old_totals["total_gross"])
    return _diff(order, plan, reserved, released), [*lines, *new]


def _lock(order_id: int, changes: EditChanges, actor) -> Locked:
    return order_lock(order_id, operation="edit", extra_product_ids=changes.added, change=changes, actor=actor)


@transaction.atomic
def order_edit_commit(
    *,
    order_id: int,
    changes: EditChanges,
    base_version: int,
    actor=None,
    source: str = Source.ADMIN,
    notify: bool = True,
    note: str = "",
) -> Order:
    """Apply staged changes as the order's next version, in one transaction.

    Lock: `order_lock(operation="edit")`, the order (with its family's root), then the stock levels of
    its products and the added ones (pk order, one query).
    Refuses, changing nothing: with StaleOrder when the order's version is no longer `base_version`
    (someone else committed first: reload and stage again), with StockUnavailable naming each line that
    cannot be reserved, and with InvalidTransition or OrderValidationError for the other refusals.
    Side effects: the EDITED event with the diff, reservation events, the registered edit hooks (e.g. a
    draft invoice voided), the payment status (balance due or owed to the customer), and after commit
    the customer e-mail and webhooks.
    """
    edit_changes_check(changes)
    locked = _lock(order_id, changes, actor)  # the root too: an edit adjusts the family's expected total
    order = locked.order
    if order.version != base_version:
        raise StaleOrder(
            f"Order {order.number} was changed by someone else while you edited it (now version {order.version}, "
            f"you started from version {base_version}). Reload the order and stage your changes again."
        )
    diff, lines = _apply(locked, changes, actor=actor)
    with events.events_batched():  # the edit's events, e-mail queued included, in one insert
        _edit_records(order, diff, lines, actor=actor, source=source, notify=notify, note=note)
    return order


def _edit_records(order: Order, diff: dict, lines: list[OrderLine], *, actor, source, notify: bool, note: str) -> None:
    events.order_edited_event(order=order, actor=actor, source=source, diff=diff, note=note, notify=notify)
    if diff["reserved"]:
        events.order_allocated_event(order=order, actor=actor, source=source, allocations=diff["reserved"])
    if diff["released"]:
        events.order_released_event(
            order=order, actor=actor, source=source, releases=diff["released"], reason="order edited"
        )
    hooks.run_hooks(hooks.HookContext("edit", order, actor=actor, change=diff))
    if actor is not None:
        StagedEdit.objects.filter(order=order, staff=actor).delete()
    # The outbox rows commit with the edit; the e-mail and webhooks go out after the commit.
    order_notify(
        order=order,
        kind=EmailKind.ORDER_EDITED,
        actor=actor,
        extra_note=note,
        send_email=notify,
        extra_context={"changes": diff["summary"], "version": order.version},
        source=source,
        lines=lines,
    )


def _email_preview(order: Order, note: str, lines: list[OrderLine]) -> tuple[str, str, str]:
    context = order_email_context(order, lines=lines)
    return email_render(kind=EmailKind.ORDER_EDITED, context=context, extra_note=note)


# --- preview ------------------------------------------------------------------------------------------------


def _available(order: Order, product_ids: set[int]) -> dict[int, int]:
    """Per product: sellable units at active locations plus what this order already holds."""
    sellable = (
        StockLevel.objects.filter(
            product_id__in=product_ids, location__active=True, location__allocate_automatically=True
        )
        .values("product_id")
        .annotate(units=Sum(F("on_hand") - F("allocated") - F("quarantined")))
    )
    available = {row["product_id"]: max(row["units"] or 0, 0) for row in sellable}
    held = (
        Allocation.objects.filter(line__order=order, line__product_id__in=product_ids)
        .values("line__product_id")
        .annotate(units=Sum("quantity"))
    )
    for row in held:
        available[row["line__product_id"]] = available.get(row["line__product_id"], 0) + row["units"]
    return available


def _preview_shortage(plan: _Plan, available: dict[int, int]) -> StockUnavailable | None:
    """The commit's stock refusal, foreseen from the stock figures the page shows (nothing is locked).

    Per product: the open units its lines would have against what is sellable plus what the order holds.
    The commit re-checks under the locks, so a preview can only be more hopeful than a commit a moment later.
    """
    wanted: dict[int, int] = {}
    for line in [*plan.lines, *plan.new]:
        if line.product_id:
            wanted[line.product_id] = wanted.get(line.product_id, 0) + max(line.quantity_open, 0)
    changed = {line.product_id for line in [*plan.touched, *plan.new] if line.product_id}
    short = [
        {"sku": line.sku, "name": line.name, "requested": wanted[line.product_id],
         "available": available.get(line.product_id, 0)}
        for line in [*plan.touched, *plan.new]
        if line.product_id in changed and wanted[line.product_id] > available.get(line.product_id, 0)
    ]  # fmt: skip
    if not short:
        return None
    names = "; ".join(f"{s['sku']} ({s['name']}): {s['requested']} needed, {s['available']} available" for s in short)
    return StockUnavailable(f"Not enough stock for {names}.", details=short)


def order_edit_preview(*, order_id: int, changes: EditChanges, note: str = "") -> EditPreview:
    """What committing `changes` would do, computed in memory by the commit's own `_plan` and pricing.

    Reads only: no row is locked or written, so a preview never waits behind a placement or an edit.
    """
    order = Order.objects.select_related("customer").get(pk=order_id)
    current = list(order.lines.order_by("position", "pk"))
    preview = EditPreview(order=order, totals=_totals(order), lines=current)
    product_ids = {line.product_id for line in current if line.product_id} | set(changes.added)
    preview.available = _available(order, product_ids)
    if changes.is_empty():
        preview.email = _email_preview(order, note, current)
        return preview
    planned = Order.objects.select_related("customer").get(pk=order_id)  # a copy the plan may change
    try:
        plan = _plan(planned, changes)
        root = planned if planned.root_id is None else Order.objects.get(pk=planned.root_id)  # the family's bound
        family_total_check(root=root, delta=planned.total_gross - order.total_gross)
        shortage = _preview_shortage(plan, preview.available)
        if shortage is not None:
            raise shortage
    except OrderError as error:
        preview.error = error  # as the commit would refuse: no diff, nothing to commit
        return preview
    planned.version += 1
    preview.diff = _diff(planned, plan, [], [])
    preview.totals, preview.order, preview.lines = _totals(planned), planned, [*plan.lines, *plan.new]
    preview.email = _email_preview(planned, note, preview.lines)
    return preview


# --- staging: one scratchpad per staff member and order ------------------------------------------------------


def _bounded(value, label: str, *, low, high) -> None:
    if not isinstance(value, int | Decimal) or (isinstance(value, Decimal) and not value.is_finite()):
        raise OrderValidationError(f"{label}: '{value}' is not a number.")
    if not low <= value <= high:
        raise OrderValidationError(f"{label}: {value} is outside {low}..{high}.")


def edit_changes_check(changes: EditChanges) -> None:
    """Staged numbers within oms.bounds, refused when staged (so a stored stage always previews and renders).

    Raises OrderValidationError naming the field. The commit prices the whole order and checks its totals too.
    """
    for line_id, quantity in changes.quantities.items():
        _bounded(quantity, f"Quantity of line {line_id}", low=0, high=bounds.QUANTITY_MAX)
    for product_id, quantity in changes.added.items():
        _bounded(quantity, f"Quantity of product {product_id}", low=1, high=bounds.QUANTITY_MAX)
    for item in changes.custom_items:
        label = f"Custom item '{item.name[:40]}'"
        problem = bounds.text_problem(item.name, multiline=False)
        if problem or not item.name.strip():
            raise OrderValidationError(f"{label}: the name {problem or 'is empty.'}")
        _bounded(item.quantity, f"{label}: quantity", low=1, high=bounds.QUANTITY_MAX)
        _bounded(item.unit_price, f"{label}: price", low=ZERO, high=bounds.UNIT_PRICE_MAX)
        _bounded(item.tax_rate, f"{label}: tax rate", low=ZERO, high=bounds.TAX_RATE_MAX)
    if changes.shipping_fee is not None:
        _bounded(changes.shipping_fee, "Shipping fee", low=ZERO, high=bounds.SHIPPING_FEE_MAX)


def _stage_is_sound(staged: StagedEdit) -> bool:
    try:
        edit_changes_check(EditChanges.from_json(staged.changes))
    except (OrderValidationError, ArithmeticError, ValueError, TypeError, KeyError, AttributeError):
        return False
    return True


def staged_edit_get(*, order: Order, staff) -> StagedEdit:
    """The staff member's stage for this order; an empty stage follows the order's current version.

    A stage that no longer passes the bounds (stored before they existed) is emptied, so the page renders.
    """
    staged, _ = StagedEdit.objects.get_or_create(order=order, staff=staff, defaults={"base_version": order.version})
    if not _stage_is_sound(staged):
        staged.changes = {}
        staged.save(update_fields=["changes", "updated_at"])
    if staged.base_version != order.version and EditChanges.from_json(staged.changes).is_empty():
        staged.base_version = order.version
        staged.save(update_fields=["base_version", "updated_at"])
    return staged


def staged_edit_save(*, staged: StagedEdit, changes: EditChanges, note: str, notify: bool) -> StagedEdit:
    """Keep the staff member's changes; refused (OrderValidationError naming the field) when out of bounds."""
    edit_changes_check(changes)
    problem = bounds.text_problem(note)
    if problem:
        raise OrderValidationError(f"Note to the customer {problem}")
    staged.changes, staged.note, staged.notify = changes.to_json(), note, notify
    staged.save(update_fields=["changes", "note", "notify", "updated_at"])
    return staged


def staged_edit_discard(*, order: Order, staff) -> None:
    StagedEdit.objects.filter(order=order, staff=staff).delete()


def staged_edit_commit(*, staged: StagedEdit, base_version: int, actor, source: str = Source.ADMIN) -> Order:
    """Commit a staff member's staged edit; `base_version` comes from the submitted form."""
    return order_edit_commit(
        order_id=staged.order_id,
        changes=EditChanges.from_json(staged.changes),
        base_version=base_version,
        actor=actor,
        source=source,
        notify=staged.notify,
        note=staged.note,
    )
