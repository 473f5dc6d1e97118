from django.db import migrations

from notifications.defaults import DEFAULTS
from oms.permissions import ROLE_MANAGER, ROLE_ORDER_DESK, grant_group_permissions


def create_defaults(apps, schema_editor):
    EmailTemplate = apps.get_model("notifications", "EmailTemplate")
    for kind, parts in DEFAULTS.items():
        EmailTemplate.objects.get_or_create(kind=kind, defaults=parts)
    desk = ["notifications.view_message", "notifications.resend_message", "notifications.view_webhookdelivery"]
    manager = desk + [
        "notifications.view_emailtemplate", "notifications.change_emailtemplate",
        "notifications.view_webhookendpoint", "notifications.add_webhookendpoint",
        "notifications.change_webhookendpoint", "notifications.resend_webhookdelivery",
    ]
    grant_group_permissions(apps, {ROLE_ORDER_DESK: desk, ROLE_MANAGER: manager})


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("oms", "0002_staff_groups"),
    ]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
