from django.db import migrations
from django.db.models import Case, Value, When
from django.db.models.functions import TruncDate

from oms.permissions import ROLE_FINANCE, ROLE_MANAGER, grant_group_permissions

METHODS = {"bank_transfer", "card", "cash", "other"}
OLD_METHODS = {"bank": "bank_transfer", "pin": "card"}


def grant_reverse_payment(apps, schema_editor):
    grant_group_permissions(apps, {ROLE_FINANCE: ["orders.reverse_payment"], ROLE_MANAGER: ["orders.reverse_payment"]})


def payments_dated_and_methods_listed(apps, schema_editor):
    """Existing payments: dated the day they were recorded, with a method from the new list."""
    OrderPayment = apps.get_model("orders", "OrderPayment")
    OrderPayment.objects.update(paid_on=TruncDate("created_at"))
    OrderPayment.objects.filter(kind="payment").exclude(method__in=METHODS).update(
        method=Case(*(When(method=old, then=Value(new)) for old, new in OLD_METHODS.items()), default=Value("other"))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0008_payments_idempotent_reversible"),
        ("oms", "0002_staff_groups"),
    ]
    operations = [
        migrations.RunPython(payments_dated_and_methods_listed, migrations.RunPython.noop),
        migrations.RunPython(grant_reverse_payment, migrations.RunPython.noop),
    ]
