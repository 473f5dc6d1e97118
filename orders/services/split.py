"""Splitting an order: chosen units of its lines move into a new order of the same family.

The rules, in one place:

- Family: every order split off another points to its `parent` and to the family's `root` (the first
  order). The new order's number is the root's number with "-n", n counting the root's split-off orders.
- Copied: customer, channel, addresses, currency, prices_include_tax, payment terms, shipping tax rate,
  memo, placement time and reservation deadline. Each moved line keeps its unit price, tax rate and
  (its share of) the line discount.
- Money is partitioned, never re-priced (`orders.pricing`, rule 3): each line's stored net, gross, line
  discount and order-discount share are divided between the kept and the moved units in proportion to
  units (`orders.pricing.line_partition`; tax = gross − net). The parts of every amount add up to the
  cent, so the totals of all parts equal the total before the split. The new order is never re-priced.
- Order discount: it travels with the units. The new order's `discount_amount` is the sum of the moved
  lines' order-discount shares; the original keeps the rest.
- Shipping fee: stays with the original order, which keeps at least one unit (the fee was charged for the
  delivery the customer ordered); the split-off order has no shipping fee.
- Payments: what was paid is shared over the two orders in proportion to their new totals, recorded as a
  `transfer_out` payment row (negative amount) on the original and a `transfer_in` row on the new order,
  so every order's `amount_paid` stays the sum of its payment rows.
- Reservations move with the lines and stock counters do not change. A line moved whole changes order
  with its allocations; for a line split by quantity, the moved units are taken from the least preferred
  locations first and their allocation rows re-pointed to the new line.
- The original's `version` goes up (its lines changed), so an edit staged before the split is refused
  as stale instead of being applied to lines that are no longer what staff saw.
- The root keeps `family_expected_total`: the family's total before its first split, adjusted by every
  committed change of a family member's total since (`family_expected_adjust`). The invariant rule in
  `orders/invariants/split.py` checks it. It is bounded like one order's total (`oms.bounds.FAMILY_TOTAL_MAX`):
  a split only divides, so only an edit that raises a member's total can pass it, and that edit is refused
  (`family_total_check`), so neither the stored expected total nor the rule's sum can outgrow its column.
"""

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from notifications.models import EmailKind
from oms.bounds import FAMILY_TOTAL_MAX
from oms.money import ZERO, allocate

from .. import events, hooks
from ..exceptions import OrderValidationError
from ..models import ADDRESS_PARTS, Allocation, Order, OrderEvent, OrderLine, OrderPayment, SplitReason
from ..notify import order_notify
from ..pricing import LINE_AMOUNT_FIELDS, TOTAL_FIELDS, line_partition, order_totals_from_lines
from .locks import order_lock
from .rows import rows_create, rows_update
from .status import order_statuses_refresh

Source = OrderEvent.Source

COPIED_FIELDS = [
    "channel_id",
    "customer_id",
    *(f"billing_{part}" for part in ADDRESS_PARTS),
    *(f"shipping_{part}" for part in ADDRESS_PARTS),
    "currency",
    "prices_include_tax",
    "payment_terms",
    "shipping_tax_rate",
    "memo",
    "placed_at",
    "reservation_expires_at",
]


def family_expected_adjust(*, order: Order, delta: Decimal) -> None:
    """Carry a committed change of a family member's total into its root's expected family total.

    Call it in the transaction that changed the total (edits, line cancellations). A no-op for orders
    that were never split, whose root has no expected total yet.
    """
    if delta:
        Order.objects.filter(pk=order.root_id or order.pk, family_expected_total__isnull=False).update(
            family_expected_total=F("family_expected_total") + delta
        )


def family_total_check(*, root: Order, delta: Decimal) -> None:
    """Refuse (OrderValidationError naming "total") a change of `delta` to a member's total that would take the
    family's total past FAMILY_TOTAL_MAX. `root` is the family's root as read under the order lock; a no-op for
    orders never split (their own total is bounded by pricing)."""
    expected = root.family_expected_total
    if expected is None or delta <= 0 or expected + delta <= FAMILY_TOTAL_MAX:
        return
    raise OrderValidationError(
        f"Order total: this change would take the orders split from {root.number} to {root.currency} "
        f"{expected + delta} together, more than the most allowed, {FAMILY_TOTAL_MAX}.",
        details={"field": "total"},
    )


def split_refusal(order: Order) -> str | None:
    """Why this order cannot be split at all, or None: `orders.rules` and the guards in `orders.hooks`."""
    return hooks.refusal("split", order)


def _moves(order: Order, lines: list[OrderLine], quantities: dict[int, int]) -> list[tuple[OrderLine, int]]:
    by_id = {line.pk: line for line in lines}
    moves = []
    for line_id, quantity in sorted(quantities.items()):
        line = by_id.get(line_id)
        if line is None:
            raise OrderValidationError(f"Order {order.number} has no line {line_id}.")
        if quantity < 0:
            raise OrderValidationError(f"Line '{line.name}': a quantity to move cannot be negative.")
        if quantity > line.quantity_open:
            raise OrderValidationError(
                f"Line '{line.name}': only {line.quantity_open} unshipped unit(s) can move, not {quantity}."
            )
        if quantity:
            moves.append((line, quantity))
    if not moves:
        raise OrderValidationError("Nothing to split: choose at least one unit to move.")
    if sum(q for _, q in moves) == sum(line.quantity_active for line in lines):
        raise OrderValidationError(
            f"Moving every unit would leave order {order.number} empty; move fewer units (or edit the order)."
        )
    return moves


def _partition(line: OrderLine, moved: int, child: Order) -> OrderLine:
    """Divide a line's stored amounts between kept and moved units (pricing rule 3, the same share a
    cancellation of those units would take); returns the child's line (unsaved)."""
    parts = line_partition(line, moved)
    new = OrderLine(
        order=child,
        position=line.position,
        product_id=line.product_id,
        sku=line.sku,
        name=line.name,
        quantity=moved,
        unit_price=line.unit_price,
        tax_rate=line.tax_rate,
        **parts,
    )
    new.tax = new.gross - new.net
    line.quantity -= moved
    return new


def _new_child(order: Order, root: Order, reason: str, actor) -> Order:
    child = Order(
        parent=order,
        root=root,
        split_reason=reason,
        status=Order.Status.PLACED,
        created_by=actor,
        **{name: getattr(order, name) for name in COPIED_FIELDS},
    )
    child.number = f"{root.number}-{Order.objects.filter(root=root).count() + 1}"
    return child


def _move_allocations(pairs: list[tuple[OrderLine, OrderLine, int]]) -> None:
    """Re-point the moved units' reservations to the new lines, least preferred locations first."""
    product_pairs = [(old, new, q) for old, new, q in pairs if old.product_id]
    held: dict[int, list[Allocation]] = defaultdict(list)
    for allocation in Allocation.objects.select_related("location").filter(line__in=[p[0].pk for p in product_pairs]):
        held[allocation.line_id].append(allocation)
    changed, created = [], []
    for old, new, quantity in product_pairs:
        for allocation in sorted(held[old.pk], key=lambda a: (-a.location.priority, -a.pk)):
            take = min(allocation.quantity, quantity)
            if take == 0:
                break
            allocation.quantity -= take
            changed.append(allocation)
            created.append(Allocation(line=new, location_id=allocation.location_id, quantity=take))
            quantity -= take
    rows_update(Allocation, [a for a in changed if a.quantity], ["quantity"])
    Allocation.objects.filter(pk__in=[a.pk for a in changed if not a.quantity]).delete()
    rows_create(Allocation, created)


def _share_payments(order: Order, child: Order) -> Decimal:
    """Give the child its share of what was paid (in memory); returns the amount moved."""
    if not order.amount_paid:
        return ZERO
    share = allocate(order.amount_paid, [order.total_gross, child.total_gross])[1]
    order.amount_paid -= share
    child.amount_paid = share
    return share


def _payment_transfers(order: Order, child: Order, share: Decimal, actor) -> None:
    if share:
        OrderPayment.objects.bulk_create(
            [
                OrderPayment(order=order, kind=OrderPayment.Kind.TRANSFER_OUT, amount=-share, actor=actor,
                             method="split", reference=child.number),
                OrderPayment(order=child, kind=OrderPayment.Kind.TRANSFER_IN, amount=share, actor=actor,
                             method="split", reference=order.number),
            ]
        )  # fmt: skip


@transaction.atomic
def order_split(
    *,
    order_id: int,
    quantities: dict[int, int],
    reason: str,
    note: str = "",
    actor=None,
    source: str = Source.ADMIN,
    notify: bool = True,
) -> Order:
    """Move `quantities` (line id -> units) of a placed order into a new order of its family; returns it.

    Lock: `order_lock(operation="split")`, the family's root, then the order (pk order); no stock level
    changes (reservations move between lines). Refuses (OrderValidationError, InvalidTransition)
    moving nothing, moving everything, more than a line's unshipped units, and cancelled, draft or fully
    shipped orders. Side effects: SPLIT and SPLIT_FROM events listing what moved, payment transfer rows,
    the registered split hooks, and after commit the customer's "order split" e-mail and webhooks.
    """
    if reason not in SplitReason.values:
        raise OrderValidationError(f"Choose a reason for the split ({', '.join(SplitReason.labels)}).")
    locked = order_lock(order_id, operation="split", change=quantities, actor=actor)
    order, root = locked.order, locked.root
    lines = list(order.lines.order_by("position", "pk"))
    moves = _moves(order, lines, quantities)
    child = _new_child(order, root, reason, actor)
    total_before = order.total_gross
    whole, pairs = [], []
    for line, quantity in moves:
        if quantity == line.quantity_active:  # nothing shipped on it (moved ≤ open): the row itself moves
            line.order = child
            whole.append(line)
        else:
            pairs.append((line, _partition(line, quantity, child), quantity))
    child_lines = [*whole, *(new for _, new, _ in pairs)]
    kept = [line for line in lines if line not in whole]
    child.discount_amount = sum((line.order_discount_share for line in child_lines), ZERO)
    order.discount_amount -= child.discount_amount
    order_totals_from_lines(order, kept, reprice_shipping=False)
    order_totals_from_lines(child, child_lines, reprice_shipping=True)
    moved_paid = _share_payments(order, child)
    order_statuses_refresh(child, child_lines)
    child.save()
    _payment_transfers(order, child, moved_paid, actor)
    rows_update(OrderLine, whole, ["order"], actor=actor)
    rows_create(OrderLine, [new for _, new, _ in pairs], actor=actor)
    rows_update(
        OrderLine, [old for old, _, _ in pairs], ["quantity", "discount_amount", *LINE_AMOUNT_FIELDS], actor=actor
    )
    _move_allocations(pairs)
    order.version += 1
    changed = order_statuses_refresh(order, kept)
    order._change_reason = f"Split: {child.number}"
    order.save(update_fields=[*TOTAL_FIELDS, "discount_amount", "amount_paid", "version", *changed, "updated_at"])
    if root.family_expected_total is None:
        root.family_expected_total = total_before  # the first split of the family: this is the root
        root.save(update_fields=["family_expected_total"])
    moved = [
        {"sku": line.sku, "name": line.name, "quantity": line.quantity_active, "total": str(line.gross)}
        for line in child_lines
    ]
    common = {
        "reason": reason,
        "note": note,
        "lines": moved,
        "moved_total": child.total_gross,
        "paid_moved": moved_paid,
    }
    with events.events_batched():  # both orders' events, e-mail queued included, in one insert
        events.order_split_events(order=order, child=child, actor=actor, source=source, **common)
        hooks.run_hooks(hooks.HookContext("split", order, actor=actor, change=quantities, child=child))
        child.customer = order.customer  # the same customer: not read again for the child's webhook data
        _notify(order=order, child=child, moved=moved, actor=actor, note=note, notify=notify, source=source,
                lines=(kept, child_lines))  # fmt: skip
    return child


def _notify(*, order: Order, child: Order, moved: list[dict], actor, note: str, notify: bool, source: str,
            lines: tuple[list[OrderLine], list[OrderLine]]) -> None:  # fmt: skip
    """One "order split" e-mail about the original (naming the new order and what moved); webhooks for both."""
    items = ", ".join(f"{m['quantity']} × {m['name']}" for m in moved)
    extra_note = "\n\n".join(part for part in (note, f"Moved to the new order {child.number}: {items}.") if part)
    context = {"split_order_number": child.number, "moved_lines": moved}
    order_notify(
        order=order,
        kind=EmailKind.ORDER_SPLIT,
        actor=actor,
        extra_note=extra_note,
        send_email=notify,
        extra_context=context,
        source=source,
        lines=lines[0],  # the lines the original keeps, as held in memory
    )
    order_notify(order=child, kind=EmailKind.ORDER_SPLIT, actor=actor, send_email=False, source=source, lines=lines[1])
