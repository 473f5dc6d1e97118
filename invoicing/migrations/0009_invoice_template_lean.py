import hashlib

from django.db import migrations

from invoicing.defaults import INVOICE_HTML

# SHA-256 of the default invoice template before its lean layout (the text migration 0002 installed).
PREVIOUS_DEFAULT = "28719983a76d475d1ab3d3e768c70e9975a1945b3cd7ee2cc7ada9eb55bb43ef"


def use_the_new_default(apps, schema_editor):
    """A shop still on the old default gets the lean one (half the render time); a changed template is kept."""
    Template = apps.get_model("invoicing", "InvoiceDocumentTemplate")
    for template in Template.objects.filter(kind="invoice"):
        if hashlib.sha256(template.body_html.encode()).hexdigest() == PREVIOUS_DEFAULT:
            template.body_html = INVOICE_HTML
            template.save(update_fields=["body_html"])


class Migration(migrations.Migration):
    dependencies = [("invoicing", "0008_invoicepayment_credit")]
    operations = [migrations.RunPython(use_the_new_default, migrations.RunPython.noop)]
