"""A pick line names its shipment, and its shipment line may go.

A shortage of every unit (or a cancelled order line) removes the shipment line; the pick line stays on
the printed list as history, still naming the shipment and order it was for.
"""

import django.db.models.deletion
from django.db import migrations, models


def fill_shipment(apps, schema_editor):
    PickListLine = apps.get_model("fulfillment", "PickListLine")
    for line in PickListLine.objects.select_related("shipment_line").iterator():
        line.shipment_id = line.shipment_line.shipment_id
        line.save(update_fields=["shipment"])


class Migration(migrations.Migration):
    dependencies = [("fulfillment", "0004_warehouse_connection_permissions")]

    operations = [
        migrations.AddField(
            model_name="picklistline",
            name="shipment",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="pick_lines",
                to="fulfillment.shipment",
            ),
        ),
        migrations.RunPython(fill_shipment, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="picklistline",
            name="shipment",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="pick_lines",
                to="fulfillment.shipment",
            ),
        ),
        migrations.AlterField(
            model_name="picklistline",
            name="shipment_line",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="pick_lines",
                to="fulfillment.shipmentline",
            ),
        ),
    ]
