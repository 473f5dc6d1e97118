from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The dashboard and the reports: read-only views over every app's data (orders, stock, shipments,
    invoices, refunds). Like the storefront it sits on top: it reads from all apps and none imports it."""

    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from orders import demo

        from .demo import seed_dashboard_demo

        demo.register_step("reports.dashboard", seed_dashboard_demo)  # low-stock alerts e-mailed, an invited customer
