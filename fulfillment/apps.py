from django.apps import AppConfig


class FulfillmentConfig(AppConfig):
    name = "fulfillment"
    verbose_name = "Fulfilment"

    def ready(self) -> None:
        # Registers fulfilment's event types on the order timeline; guards, hooks and order-page tabs are
        # registered here too as they come (`orders.hooks`, `orders.admin_pages`).
        from orders import hooks
        from orders.admin_pages.articles import register_line_locks

        from . import admin_holds, admin_picking, admin_warehouse, events  # noqa: F401  (admins register on import)
        from .services import handoff, holds

        hooks.register_guard("ship", "fulfillment.holds", holds.ship_held_guard)
        hooks.register_guard("ship", "fulfillment.recall_pending", handoff.ship_recall_guard)
        hooks.register_guard("fulfil", "fulfillment.released_to_warehouse", handoff.shipment_cancel_guard)
        hooks.register_hook("payment", "fulfillment.release_paid_holds", holds.holds_release_paid)
        for operation in handoff.LOCKED_OPERATIONS:
            hooks.register_guard(operation, "fulfillment.released_to_warehouse", handoff.handoff_guard)
        register_line_locks("fulfillment.released_to_warehouse", handoff.line_lock_sentences)
        admin_holds.register()  # the shipment page's Holds and Warehouse hand-off sections

        from . import admin_order_page, demo
        from .services import consistency

        consistency.register()  # pending shipments follow edits, cancellations, splits and allocation moves
        demo.register()  # seed_demo's shipped orders ship through shipments (orders.demo)
        admin_order_page.register_tab()  # the order's Shipments tab replaces its placeholder

        admin_picking.register_admin()  # pick lists, the work queue, the order's Pick lists tab, the shipment section
