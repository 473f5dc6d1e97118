"""What invoicing registers in the orders app's guard and hook registry (called from InvoicingConfig.ready).

- "invoice": only a placed order is invoiced (orders has no state check for it).
- "edit": refused once an invoice was sent (the sentence names it); an edit voids a draft invoice.
- "line_cancel": refused while the order has an issued invoice (the sentence points to a credit invoice).
- "payment", "payment_reverse", "split": the order's money is applied to its invoices again.
- "ship": invoices due on fulfilment get their due date.
"""

from orders import hooks

from .services import guards


def register() -> None:
    hooks.register_guard("invoice", "invoicing.placed_only", guards.invoice_needs_placed_order)
    hooks.register_guard("edit", "invoicing.invoice_sent", guards.edit_refused_when_sent)
    hooks.register_hook("edit", "invoicing.void_draft", guards.void_draft_on_edit, when="in_transaction")
    hooks.register_guard("line_cancel", "invoicing.invoice_issued", guards.line_cancel_refused_when_issued)
    for operation in ("payment", "payment_reverse", "split"):
        hooks.register_hook(operation, "invoicing.apply_payments", guards.apply_payments, when="in_transaction")
    hooks.register_hook("ship", "invoicing.due_on_fulfilment", guards.due_on_fulfilment, when="in_transaction")
