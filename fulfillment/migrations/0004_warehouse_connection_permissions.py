from django.db import migrations

from oms.permissions import ROLE_MANAGER, grant_group_permissions


def grant(apps, schema_editor):
    # Managers set up warehouse connections and issue their API tokens.
    grant_group_permissions(
        apps,
        {
            ROLE_MANAGER: [
                "fulfillment.add_warehouseconnection",
                "fulfillment.change_warehouseconnection",
                "fulfillment.view_warehouseconnection",
            ],
        },
    )


class Migration(migrations.Migration):
    dependencies = [("fulfillment", "0003_holds_and_warehouse_connections")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
