"""What invoicing registers in the orders app's guard and hook registry (called from InvoicingConfig.ready).

- "invoice": only a placed order is invoiced (orders has no state check for it).
- "edit": refused once an invoice is issued (the sentence names it, and says when it was sent).
- "line_cancel", "split", "cancel": refused while the order has an issued invoice (the sentence points to a
  credit invoice); an edit, split or cancellation voids a draft invoice.
- "payment", "payment_reverse", "refund": the order's money is applied to its invoices again.
- "ship": invoices due on fulfilment get their due date.
"""

from orders import hooks

from .services import guards


def register() -> None:
    hooks.register_guard("invoice", "invoicing.placed_only", guards.invoice_needs_placed_order)
    hooks.register_guard("edit", "invoicing.invoiced", guards.edit_refused_when_invoiced)
    for operation in ("line_cancel", "split", "cancel"):
        hooks.register_guard(operation, "invoicing.invoiced", guards.refused_when_invoiced)
    for operation in ("edit", "split", "cancel"):
        hooks.register_hook(operation, "invoicing.void_draft", guards.void_draft_on_edit, when="in_transaction")
    for operation in ("payment", "payment_reverse", "refund"):
        hooks.register_hook(operation, "invoicing.apply_payments", guards.apply_payments, when="in_transaction")
    hooks.register_hook("ship", "invoicing.due_on_fulfilment", guards.due_on_fulfilment, when="in_transaction")
