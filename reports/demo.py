"""Demo data of the dashboard (`make seed`): the low-stock address set, so the alerts the catalogue's low
products raised are e-mailed through the outbox, and one customer invited to open an account."""

from catalog.models import StockAlert
from oms.models import ShopSettings
from orders.models import Customer
from orders.services.customers import customer_invite

DEMO_LOW_STOCK_EMAIL = "purchasing@example.com"


def seed_dashboard_demo(stdout=None) -> int:
    made = 0
    shop = ShopSettings.objects.select_for_update().get(pk=1)
    if not shop.low_stock_email:
        shop.low_stock_email = DEMO_LOW_STOCK_EMAIL
        shop._change_reason = "Demo: low-stock e-mail"
        shop.save()
        made += 1
    invitee = Customer.objects.filter(user__isnull=True).order_by("pk").first()
    if invitee is not None and not Customer.objects.filter(user__isnull=False, user__password__startswith="!").exists():
        customer_invite(customer_id=invitee.pk, actor=None)
        made += 1
    if stdout is not None:
        stdout.write(f"Dashboard demo: {StockAlert.objects.filter(cleared_at=None).count()} open low-stock alerts.\n")
    return made
