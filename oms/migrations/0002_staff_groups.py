from django.db import migrations

from oms.permissions import ROLE_FINANCE, ROLE_MANAGER, ROLE_ORDER_DESK, ROLE_WAREHOUSE, grant_group_permissions

ORDER_DESK = [
    "orders.view_order", "orders.add_order", "orders.change_order", "orders.view_orderline",
    "orders.add_orderline", "orders.change_orderline", "orders.delete_orderline",
    "orders.view_customer", "orders.add_customer", "orders.change_customer",
    "orders.view_address", "orders.add_address", "orders.change_address", "orders.view_channel",
    "orders.view_orderevent", "orders.view_ordermemo", "orders.view_allocation", "orders.view_orderpayment",
    "orders.place_order", "orders.cancel_order", "orders.edit_order", "orders.split_order",
    "orders.add_memo", "orders.email_customer",
    "catalog.view_product", "catalog.view_stocklevel", "catalog.view_stocklocation", "catalog.view_taxrate",
]
WAREHOUSE = [
    "orders.view_order", "orders.view_orderline", "orders.view_allocation", "orders.view_orderevent",
    "orders.view_ordermemo", "orders.add_memo", "orders.view_customer",
    "catalog.view_product", "catalog.view_stocklocation", "catalog.view_stocklevel", "catalog.change_stocklevel",
    "catalog.view_stockmovement", "catalog.add_stockmovement", "catalog.view_lowstocklevel",
]
FINANCE = [
    "orders.view_order", "orders.view_orderline", "orders.view_orderevent", "orders.view_ordermemo",
    "orders.add_memo", "orders.view_customer", "orders.change_customer", "orders.view_orderpayment",
    "orders.record_payment", "orders.email_customer", "catalog.view_product", "catalog.view_taxrate",
]
MANAGER = sorted(
    set(ORDER_DESK + WAREHOUSE + FINANCE)
    | {
        "oms.view_shopsettings", "oms.change_shopsettings",
        "orders.add_channel", "orders.change_channel",
        "catalog.add_product", "catalog.change_product", "catalog.add_taxrate", "catalog.change_taxrate",
        "catalog.add_stocklocation", "catalog.change_stocklocation", "catalog.add_stocklevel",
    }
)


def create_groups(apps, schema_editor):
    grant_group_permissions(
        apps, {ROLE_ORDER_DESK: ORDER_DESK, ROLE_WAREHOUSE: WAREHOUSE, ROLE_FINANCE: FINANCE, ROLE_MANAGER: MANAGER}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("oms", "0001_initial"),
        ("catalog", "0001_initial"),
        ("orders", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
