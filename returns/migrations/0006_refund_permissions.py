from django.db import migrations

from oms.permissions import ROLE_FINANCE, ROLE_MANAGER, ROLE_ORDER_DESK, grant_group_permissions

# Everyone at the order desk sees refunds; only Finance and Managers approve, send, retry and confirm them.
VIEW = ["returns.view_refund", "returns.view_refundbatch"]
DECIDE = [*VIEW, "returns.approve_refund"]


def grant(apps, schema_editor):
    grant_group_permissions(apps, {ROLE_ORDER_DESK: VIEW, ROLE_FINANCE: DECIDE, ROLE_MANAGER: DECIDE})


class Migration(migrations.Migration):
    dependencies = [("returns", "0005_refunds"), ("oms", "0002_staff_groups")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
