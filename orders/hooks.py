"""The one guard and hook registry for every operation that changes an order.

`orders` must not import the apps above it (the layers point one way), yet an edit must be refused while
an invoice was sent and must void a draft invoice. So a higher app registers functions here, in its
`AppConfig.ready()`:

    from orders import hooks

    class InvoicingConfig(AppConfig):
        def ready(self):
            hooks.register_guard("edit", "invoicing.invoice_sent", invoice_sent_guard)
            hooks.register_hook("edit", "invoicing.void_draft", void_draft_invoice, when="in_transaction")
            hooks.register_hook("payment", "invoicing.receipt", send_receipt, when="on_commit")

Guards: `guard(order, operation, change) -> str | None`. `change` is what the operation proposes (the
staged edit, the split quantities, the payment amount, ...) or None when the admin only asks whether the
action is possible at all. A guard returns the sentence that refuses the operation, or None. The
order's own state check (`orders.rules`) runs before every guard, so the service, the API and the admin
give the same sentence. The lock primitive (`orders.services.locks.order_lock`) runs
the guards under the order lock, before anything changes, and raises InvalidTransition with the first
sentence.

Hooks: `hook(context)` with a `HookContext` (operation, order, actor, change, and for a split the new
order as `child`). `when="in_transaction"` hooks run after the change, in its transaction: a hook that
raises rolls the whole operation back. `when="on_commit"` hooks run after the transaction committed
(never when it rolled back) and must not expect a surrounding transaction. Hooks only read or write
their own app's rows, through that app's services.

Names are unique per operation and kind: registering a name twice raises (unregister first).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import transaction

from .rules import state_refusal

# The operations that change an order: the permission staff need for each in the admin, and what the
# refusal says when they lack it. The operations of the apps above orders (fulfilment, invoice, return, refund)
# are listed here too, so their guards and buttons go through the same registry.
OPERATIONS: dict[str, tuple[str, str]] = {
    "draft_change": ("orders.change_order", "change draft orders"),
    "place": ("orders.place_order", "place orders"),
    "cancel": ("orders.cancel_order", "cancel orders"),
    "line_cancel": ("orders.cancel_order", "cancel order lines"),
    "edit": ("orders.edit_order", "edit orders"),
    "split": ("orders.split_order", "split orders"),
    "payment": ("orders.record_payment", "record payments"),
    "payment_reverse": ("orders.reverse_payment", "reverse payments"),
    "ship": ("fulfillment.ship_shipment", "ship orders"),
    # Fulfilment's other operations (the permissions come with the fulfillment app, granted to Warehouse):
    "fulfil": ("fulfillment.ship_shipment", "prepare shipments"),  # create shipments, packages, pre-announce
    "hold": ("fulfillment.hold_shipment", "put shipments on hold or release them"),
    "handoff": ("fulfillment.handoff_shipment", "release shipments to the warehouse or recall them"),
    "pick": ("fulfillment.pick_picklist", "pick orders"),
    "allocation_move": ("orders.move_allocation", "move allocations to another location"),
    "address_change": ("orders.change_order", "change order addresses"),
    "invoice": ("invoicing.add_invoice", "invoice orders"),
    "return": ("returns.process_return", "process returns"),
    # A customer announces a return from the storefront (staff with the returns perm may do it for them).
    "return_request": ("returns.process_return", "register return requests"),
    "refund": ("returns.approve_refund", "approve or send refunds"),
    # Invoicing runs this one's hooks when it issues a credit invoice (the returns app makes its refund).
    "credit": ("invoicing.credit_invoice", "make credit invoices"),
    "memo": ("orders.add_memo", "add memos"),
    "email": ("orders.email_customer", "e-mail customers"),
}
WHEN = ("in_transaction", "on_commit")

Guard = Callable[[Any, str, Any], str | None]


@dataclass(frozen=True)
class HookContext:
    operation: str
    order: Any  # the order operated on (for a split: the original)
    actor: Any = None
    change: Any = None  # what changed: the edit diff, the split quantities, the payment row, ...
    child: Any = None  # a split's new order


Hook = Callable[[HookContext], None]

_guards: dict[str, dict[str, Guard]] = {operation: {} for operation in OPERATIONS}
_hooks: dict[str, dict[str, tuple[Hook, str]]] = {operation: {} for operation in OPERATIONS}


def _check(operation: str) -> None:
    if operation not in OPERATIONS:
        raise ValueError(f"Unknown operation {operation!r}; choose one of {', '.join(OPERATIONS)}.")


def register_guard(operation: str, name: str, guard: Guard) -> Guard:
    """Add a guard under a unique name; guards run in the order they were registered."""
    _check(operation)
    if name in _guards[operation]:
        raise ValueError(f"A guard named {name!r} is already registered for {operation!r}.")
    _guards[operation][name] = guard
    return guard


def register_hook(operation: str, name: str, hook: Hook, *, when: str = "in_transaction") -> Hook:
    """Add a hook under a unique name, run `when` "in_transaction" (after the change) or "on_commit"."""
    _check(operation)
    if when not in WHEN:
        raise ValueError(f"when must be one of {WHEN}, not {when!r}.")
    if name in _hooks[operation]:
        raise ValueError(f"A hook named {name!r} is already registered for {operation!r}.")
    _hooks[operation][name] = (hook, when)
    return hook


def unregister(operation: str, name: str) -> None:
    """Remove a guard or hook by name (tests register temporary ones)."""
    _check(operation)
    _guards[operation].pop(name, None)
    _hooks[operation].pop(name, None)


def refusal(operation: str, order, change=None) -> str | None:
    """The sentence refusing `operation` on `order` (with the proposed `change`), or None.

    The order's own state check (`orders.rules`) comes first, then the registered guards in order.
    """
    _check(operation)
    reason = state_refusal(operation, order)
    if reason:
        return reason
    for guard in _guards[operation].values():
        reason = guard(order, operation, change)
        if reason:
            return reason
    return None


def run_hooks(context: HookContext) -> None:
    """Run the operation's hooks: in-transaction ones now, on-commit ones after the commit."""
    for hook, when in list(_hooks[context.operation].values()):
        if when == "in_transaction":
            hook(context)
        else:
            transaction.on_commit(partial(hook, context))


def may(user, operation: str, order) -> tuple[bool, str]:
    """May `user` do `operation` to `order` now? (allowed, the sentence saying why not).

    The one question the admin asks for every button and tab: the user's permission, then the same state
    check and guards the service runs under its lock (`refusal`), so a refusal reads the same everywhere.
    """
    _check(operation)
    permission, action = OPERATIONS[operation]
    if not user.has_perm(permission):
        return False, f"You do not have permission to {action}."
    reason = refusal(operation, order)
    return reason is None, reason or ""
