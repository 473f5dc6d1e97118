from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        from catalog.alerts import alert_listener_register

        from .services.stock_alerts_listener import stock_alerts_raised

        # catalog raises low-stock alerts; orders (above catalog and notifications) e-mails them.
        alert_listener_register("orders.low_stock_email", stock_alerts_raised)
