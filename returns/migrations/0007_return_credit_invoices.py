"""Return.credit_invoices: a return credits each debit invoice that invoiced its units (one credit invoice
each). The returns made before hold their one credit invoice there too."""

from django.db import migrations, models


def fill(apps, schema_editor):
    Return = apps.get_model("returns", "Return")
    through = Return.credit_invoices.through
    rows = Return.objects.filter(credit_invoice__isnull=False).values_list("pk", "credit_invoice_id")
    through.objects.bulk_create(
        [through(**{"return_id": pk, "invoice_id": invoice_id}) for pk, invoice_id in rows.iterator()],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0008_invoicepayment_credit"),
        ("returns", "0006_refund_permissions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="return",
            name="credit_invoice",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                help_text="The first credit invoice (the return's units may be on several debit invoices).",
                null=True,
                on_delete=models.PROTECT,
                related_name="returns",
                to="invoicing.invoice",
            ),
        ),
        migrations.AddField(
            model_name="return",
            name="credit_invoices",
            field=models.ManyToManyField(blank=True, editable=False, related_name="+", to="invoicing.invoice"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
