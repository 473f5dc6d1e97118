from django.db import migrations

from oms.permissions import ROLE_FINANCE, ROLE_MANAGER, ROLE_ORDER_DESK, ROLE_WAREHOUSE, grant_group_permissions
from returns.defaults import DEFAULT_REASONS, MANAGE_REASONS, PROCESS, VIEW


def create_reasons(apps, schema_editor):
    Reason = apps.get_model("returns", "ReturnReason")
    for position, (code, name) in enumerate(DEFAULT_REASONS):
        Reason.objects.get_or_create(code=code, defaults={"name": name, "position": position * 10})


def grant(apps, schema_editor):
    # The order desk and managers take returns in; the warehouse and finance see them (stock, credits).
    grant_group_permissions(
        apps,
        {ROLE_ORDER_DESK: PROCESS, ROLE_MANAGER: PROCESS + MANAGE_REASONS, ROLE_WAREHOUSE: VIEW, ROLE_FINANCE: VIEW},
    )


def create_defaults(apps, schema_editor):
    create_reasons(apps, schema_editor)
    grant(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("returns", "0001_initial"), ("oms", "0002_staff_groups")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
