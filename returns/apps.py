from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    """Return requests, returns, reasons, refunds and refund batches: the top business app (above
    fulfilment and invoicing). It fills the order core's guard and hook registries, order tabs and demo
    steps from `ready()`, like the apps below it."""

    name = "returns"
    verbose_name = "Returns and refunds"

    def ready(self) -> None:
        # Each part registers its own order tabs, hooks and demo steps here (returns, then refunds).
        self._ready_returns()
        self._ready_refunds()

    def _ready_returns(self) -> None:
        from orders import demo

        from . import admin_order, events, registry  # noqa: F401  (events registers its event types on import)
        from .demo import seed_returns

        registry.register()
        admin_order.register_pages()
        demo.register_step("returns", seed_returns)
        self._ready_exchanges()

    def _ready_exchanges(self) -> None:
        from orders import demo

        from .demo_exchange import seed_exchanges

        demo.register_step("returns.exchanges", seed_exchanges)

    def _ready_refunds(self) -> None:
        from . import registry_refunds

        registry_refunds.register()
