from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Invoicing"

    def ready(self) -> None:
        # The guards and hooks that tie invoices to the operations of the orders app (orders.hooks).
        from . import order_tab, registry

        registry.register()
        order_tab.register_tab()
