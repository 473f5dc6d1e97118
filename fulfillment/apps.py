from django.apps import AppConfig


class FulfillmentConfig(AppConfig):
    name = "fulfillment"
    verbose_name = "Fulfilment"

    def ready(self) -> None:
        # Registers fulfilment's event types on the order timeline; guards, hooks and order-page tabs are
        # registered here too as they come (`orders.hooks`, `orders.admin_pages`).
        from . import events  # noqa: F401
