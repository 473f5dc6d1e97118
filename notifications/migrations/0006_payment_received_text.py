from django.db import migrations

from notifications.defaults import DEFAULTS

# The text migration 0002 installed; a template a manager has changed since is left alone.
OLD_TEXT = (
    "Dear {{ customer_name }},\n\nWe have received your payment for order {{ order_number }}. Thank you.\n"
    "{% if extra_note %}\n{{ extra_note }}\n{% endif %}\n\nYou can follow your order at {{ account_url }}\n\n"
    "Kind regards,\n{{ shop_name }}\n"
)
OLD_HTML = (
    "<p>Dear {{ customer_name }},</p><p>We have received your payment for order {{ order_number }}. Thank you.</p>"
    "{% if extra_note %}<p>{{ extra_note|linebreaksbr }}</p>{% endif %}"
    '<p><a href="{{ account_url }}">Follow your order</a></p><p>Kind regards,<br>{{ shop_name }}</p>'
)


def payment_received_with_amount(apps, schema_editor):
    EmailTemplate = apps.get_model("notifications", "EmailTemplate")
    template = EmailTemplate.objects.filter(kind="payment_received").first()
    if template is None:
        EmailTemplate.objects.create(kind="payment_received", **DEFAULTS["payment_received"])
    elif (template.body_text, template.body_html) == (OLD_TEXT, OLD_HTML):
        for field, value in DEFAULTS["payment_received"].items():
            setattr(template, field, value)
        template.save()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0005_password_reset_email")]
    operations = [migrations.RunPython(payment_received_with_amount, migrations.RunPython.noop)]
