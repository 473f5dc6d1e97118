from django.db import migrations

from oms.permissions import ROLE_MANAGER, ROLE_ORDER_DESK, ROLE_WAREHOUSE, grant_group_permissions

VIEW = [
    "fulfillment.view_shipment", "fulfillment.view_shipmentline", "fulfillment.view_shipmenthold",
    "fulfillment.view_picklist", "fulfillment.view_picklistline",
]
WAREHOUSE = VIEW + [
    "fulfillment.change_shipment", "fulfillment.ship_shipment", "fulfillment.hold_shipment",
    "fulfillment.handoff_shipment", "fulfillment.pick_picklist",
]


def grant(apps, schema_editor):
    # The order desk sees shipments and may hold them (address check); only the warehouse ships.
    grant_group_permissions(
        apps,
        {
            ROLE_WAREHOUSE: WAREHOUSE,
            ROLE_ORDER_DESK: VIEW + ["fulfillment.hold_shipment"],
            ROLE_MANAGER: WAREHOUSE,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("fulfillment", "0001_initial"), ("oms", "0002_staff_groups")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
