"""InvoicePayment.credit: the credit invoice that moved the row's money. Rows made before it existed are
tagged from the credits' own times: a credit's take-back and re-application were written in its transaction,
between the credit invoice's creation and its issue, on the invoice it credits, with no payment row."""

import django.db.models.deletion
from django.db import migrations, models


def tag_earlier_credits(apps, schema_editor):
    Invoice = apps.get_model("invoicing", "Invoice")
    InvoicePayment = apps.get_model("invoicing", "InvoicePayment")
    credits = Invoice.objects.filter(kind="credit", credit_for__isnull=False, issued_at__isnull=False)
    for credit in credits.order_by("pk").iterator():
        InvoicePayment.objects.filter(
            invoice_id=credit.credit_for_id, payment__isnull=True, credit__isnull=True,
            created_at__gte=credit.created_at, created_at__lte=credit.issued_at,
        ).update(credit=credit)  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0007_paid_credited_half_cent"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoicepayment",
            name="credit",
            field=models.ForeignKey(
                blank=True,
                help_text="The credit invoice whose issue moved this money (take-back and re-application).",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="invoicing.invoice",
            ),
        ),
        migrations.RunPython(tag_earlier_credits, migrations.RunPython.noop),
    ]
