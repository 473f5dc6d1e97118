"""THE way services lock: one primitive, one order of locks, so that two services never wait on each other.

The lock order, everywhere:

1. the order and its split family's root, in primary-key order (the root is the oldest row, so it comes
   first): a split, an edit and a line cancellation in one family queue behind each other;
2. then the other orders of the family the operation changes too (`family_orders`: a credit on a combined
   family invoice gives money back to each order with lines on it), in primary-key order;
3. then every stock level the operation touches (all levels of the order's products plus
   `extra_product_ids`), in ONE query, in primary-key order;
4. counters (an invoice series' number) last of all, by their own services.

Several orders in one operation that changes no stock (issuing a selection of invoices): `orders_lock`
takes all of them with their roots in ONE query, in primary-key order. Beside `order_lock` that cannot
deadlock: a family's root is its lowest key, so whoever holds a member holds its root, and `orders_lock`
queues at that root before it holds any member of the family.

Nothing locks a stock level one product at a time, and nothing locks an order after a stock level. A
brand-new order (create-and-place) is invisible to others, so it takes only step 3 (`stock_lock`).
`catalog.services` never locks levels for an order: its primitives change the levels handed to them.

    locked = order_lock(order_id, operation="ship", actor=actor)
    locked.order, locked.root                      # the locked rows
    locked.levels[(product_id, location_id)]       # a locked StockLevel
    locked.for_product(product_id)                 # its levels, best location first

Under the order lock, before any level is locked, the primitive asks `orders.hooks.refusal` (the order's
state check, then the registered guards) and raises InvalidTransition with the refusing sentence.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial

from django.db import connection
from django.db.models import Q, Subquery
from django.db.models.expressions import RawSQL

from catalog import services as stock
from catalog.models import StockLevel
from oms.selects import rows_select

from .. import hooks
from ..exceptions import InvalidTransition
from ..models import Order, OrderLine

# Operations that change stock counters: their lock includes the levels of the order's products.
STOCK_OPERATIONS = frozenset({"place", "cancel", "line_cancel", "edit", "ship", "return"})


@dataclass
class LockedStock:
    """Locked stock levels by (product id, location id)."""

    levels: dict[tuple[int, int], StockLevel] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_product: dict[int, list[StockLevel]] = defaultdict(list)
        for level in sorted(self.levels.values(), key=lambda lv: (lv.location.priority, lv.location_id)):
            self._by_product[level.product_id].append(level)

    def for_product(self, product_id: int) -> list[StockLevel]:
        """The product's locked levels, best location first (priority, then location id)."""
        return list(self._by_product.get(product_id, ()))


@dataclass
class Locked(LockedStock):
    """The locked order, its family root (the order itself when it has none) and the stock levels."""

    order: Order | None = None
    root: Order | None = None


def _levels(product_filter: Q) -> dict[tuple[int, int], StockLevel]:
    return {(lv.product_id, lv.location_id): lv for lv in stock.stock_levels_lock(product_filter=product_filter)}


def stock_lock(*, product_ids: Iterable[int]) -> LockedStock:
    """Lock every level of the products in one query (pk order): for an order nobody else can see yet."""
    levels = stock.stock_levels_lock(product_ids=product_ids)
    return LockedStock(levels={(lv.product_id, lv.location_id): lv for lv in levels})


def _order_and_root_query(order_id: int, skip_locked: bool):
    # `pk = (scalar subquery)`, not `pk IN (subquery)`: PostgreSQL cannot use an index for "id = x OR id IN
    # (hashed subplan)" and scanned every order (or the whole primary key index) to lock one; the scalar form
    # is two index look-ups (a BitmapOr). An order without a root compares with NULL: only the order matches.
    root_of_order = Order.objects.filter(pk=order_id).order_by().values("root_id")[:1]
    return (
        Order.objects.select_for_update(skip_locked=skip_locked)
        .filter(Q(pk=order_id) | Q(pk=Subquery(root_of_order)))
        .order_by("pk")
    )


def _order_and_root(order_id: int, skip_locked: bool) -> tuple[Order, Order] | None:
    # Compiled once (rows_select): every operation on an order starts here.
    rows = rows_select(f"order_lock:{skip_locked}", partial(_order_and_root_query, skip_locked=skip_locked), order_id)
    by_pk = {row.pk: row for row in rows}
    if order_id not in by_pk:
        if skip_locked and Order.objects.filter(pk=order_id).exists():
            return None
        raise Order.DoesNotExist(f"Order {order_id} does not exist.")
    order = by_pk[order_id]
    if order.root_id and order.root_id not in by_pk:
        return None  # skip_locked: the root is held by another transaction
    return order, by_pk.get(order.root_id or order_id)


def _family_others(order: Order, root: Order, family_orders: Callable[[Order], Iterable[int]]) -> None:
    """Lock the other members of the family that `family_orders(order)` names, in pk order (step 2).

    Asked once the root is locked, so the answer cannot change under it (everything that changes a family
    member holds its root). An id outside the family is a bug of the caller: it has a root of its own to
    take first, so it is refused rather than locked out of order."""
    wanted = set(family_orders(order)) - {order.pk, root.pk}
    if not wanted:
        return
    rows = Order.objects.select_for_update().filter(pk__in=wanted, root_id=root.pk).order_by("pk")
    locked = set(rows.values_list("pk", flat=True))
    if locked != wanted:
        raise ValueError(f"Orders {sorted(wanted - locked)} are not of the family of order {root.pk}.")


def order_lock(
    order_id: int,
    *,
    operation: str,
    extra_product_ids: Iterable[int] = (),
    change=None,
    actor=None,
    skip_locked: bool = False,
    family_orders: Callable[[Order], Iterable[int]] | None = None,
) -> Locked | None:
    """Lock the order with its family root, check `operation` is allowed, then lock its stock levels.

    Lock order: root and order (pk order, one query), then the family members `family_orders(order)` names
    (pk order, one query; for an operation whose work reaches the order's siblings, such as a credit on a
    combined family invoice), then, for the operations in STOCK_OPERATIONS, every level of the order's line
    products and of `extra_product_ids` (one query, pk order).
    Raises InvalidTransition with the sentence of the first refusing check (`orders.hooks.refusal` with
    `change`) before any level is locked, and Order.DoesNotExist for an unknown id. With `skip_locked`,
    returns None instead of waiting when another transaction holds the order or its root (scheduled jobs).
    `actor` is for guards and the record; it does not change what is locked.
    """
    pair = _order_and_root(order_id, skip_locked)
    if pair is None:
        return None
    order, root = pair
    reason = hooks.refusal(operation, order, change)
    if reason:
        raise InvalidTransition(reason)
    if family_orders is not None:
        _family_others(order, root, family_orders)
    extra = set(extra_product_ids)
    levels = {}
    if operation in STOCK_OPERATIONS or extra:
        line_products = OrderLine.objects.filter(order_id=order_id, product__isnull=False).values("product_id")
        levels = _levels(Q(product_id__in=line_products) | Q(product_id__in=extra))
    return Locked(levels=levels, order=order, root=root)


def _orders_and_roots_query(order_ids: list[int]):
    """The orders and their roots, locked in pk order. On PostgreSQL one subquery yields both (`unnest(ARRAY[id,
    root_id])`; a root's NULL drops out of IN): "id IN (...) OR id IN (subquery)" could only filter a full scan
    of the orders (see `_order_and_root_query`), this is primary-key look-ups. SQLite keeps the plain OR."""
    locked = Order.objects.select_for_update()
    if connection.vendor != "postgresql":
        roots = Order.objects.filter(pk__in=order_ids, root__isnull=False).values("root_id")
        return locked.filter(Q(pk__in=order_ids) | Q(pk__in=roots)).order_by("pk")
    sql = f"SELECT unnest(ARRAY[id, root_id]) FROM {Order._meta.db_table} WHERE id = ANY(%s)"  # noqa: S608  (ours)
    return locked.filter(pk__in=RawSQL(sql, [order_ids])).order_by("pk")  # noqa: S611  (the ids are parameters)


def orders_lock(order_ids: Iterable[int], *, operation: str, actor=None) -> dict[int, Order]:
    """Lock several orders with their family roots in one query (pk order), then check `operation` on each.

    For operations without stock (see the module's lock order); raises Order.DoesNotExist for an unknown id and
    InvalidTransition with the first refusing order's sentence (naming the order when there are several).
    `actor` as for `order_lock`."""
    if operation in STOCK_OPERATIONS:
        raise ValueError(f"{operation!r} changes stock: lock each order with order_lock.")
    ids = set(order_ids)
    if len(ids) == 1:  # the one-order lock, whose statement is compiled once
        [order_id] = ids
        return {order_id: order_lock(order_id, operation=operation, actor=actor).order}
    rows = _orders_and_roots_query(sorted(ids))
    by_pk = {row.pk: row for row in rows}
    missing = ids - by_pk.keys()
    if missing:
        raise Order.DoesNotExist(f"Order {min(missing)} does not exist.")
    for pk in sorted(ids):
        reason = hooks.refusal(operation, by_pk[pk])
        if reason:
            raise InvalidTransition(f"Order {by_pk[pk].number}: {reason}")
    return {pk: by_pk[pk] for pk in ids}
