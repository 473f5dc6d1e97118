from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Invoicing"

    def ready(self) -> None:
        # The guards and hooks that tie invoices to the operations of the orders app (orders.hooks).
        from orders import demo

        from . import order_tab, registry
        from .demo import seed_invoices
        from .demo_paylink import seed_paylink_demo

        registry.register()
        order_tab.register_tab()
        demo.register_step("invoicing", seed_invoices)
        demo.register_step("invoicing.paylink", seed_paylink_demo)  # paid online, a deposit, overdue by age
