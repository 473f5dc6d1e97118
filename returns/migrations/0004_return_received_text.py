from django.db import migrations

from notifications.defaults import DEFAULTS, _kind

# The text notifications' migration 0002 installed ("we have received your return", nothing more); a template a
# manager has changed since is left alone. The new default names the return, its units and the credit invoice.
OLD = _kind("Return received for order {{ order_number }}",
            "We have received your return for order {{ order_number }}.", False)  # fmt: skip


def return_received_with_lines(apps, schema_editor):
    EmailTemplate = apps.get_model("notifications", "EmailTemplate")
    template = EmailTemplate.objects.filter(kind="return_received").first()
    if template is None:
        EmailTemplate.objects.create(kind="return_received", **DEFAULTS["return_received"])
    elif (template.body_text, template.body_html) == (OLD["body_text"], OLD["body_html"]):
        for field, value in DEFAULTS["return_received"].items():
            setattr(template, field, value)
        template.save()


class Migration(migrations.Migration):
    dependencies = [("returns", "0003_exchanges_and_label_downloads"), ("notifications", "0009_return_decision_emails")]
    operations = [migrations.RunPython(return_received_with_lines, migrations.RunPython.noop)]
