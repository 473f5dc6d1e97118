"""What the refunds part registers from ReturnsConfig.ready(): event types, the "credit" hook that makes the
refund of a credit invoice, the reductions' hooks that make the refund of a refund due, the refunds admin with
the order's Refunds tab, and the demo step."""

from orders import demo, hooks


def register() -> None:
    from . import admin_refunds, demo_refunds, events_refunds  # noqa: F401  (event types, admin registrations)
    from .services.refunds import REDUCTIONS, refund_due_on_reduction, refund_on_credit

    hooks.register_hook("credit", "returns.refund_on_credit", refund_on_credit, when="in_transaction")
    # Registered after invoicing's hooks (apps load in that order): the draft invoice is voided first.
    for operation in REDUCTIONS:
        hooks.register_hook(operation, "returns.refund_due", refund_due_on_reduction, when="in_transaction")
    admin_refunds.register_admin_pages()
    demo.register_step("refunds", demo_refunds.demo_refunds)
