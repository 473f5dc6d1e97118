from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Invoicing"

    def ready(self) -> None:
        # The guards and hooks that tie invoices to the operations of the orders app (orders.hooks).
        from orders import demo

        from . import order_tab, registry
        from .demo import seed_invoices

        registry.register()
        order_tab.register_tab()
        demo.register_step("invoicing", seed_invoices)
