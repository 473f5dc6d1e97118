from django.db import migrations

from notifications.defaults import DEFAULTS

# The text migration 0002 installed ("has been shipped", nothing more); a template a manager has changed since is
# left alone. The new default names the carrier, the tracking code and link, and the units (no prices).
OLD_TEXT = (
    "Dear {{ customer_name }},\n\nYour order {{ order_number }} has been shipped.\n{% if extra_note %}\n"
    "{{ extra_note }}\n{% endif %}\n\nYou can follow your order at {{ account_url }}\n\nKind regards,\n{{ shop_name }}\n"
)
OLD_HTML = (
    "<p>Dear {{ customer_name }},</p><p>Your order {{ order_number }} has been shipped.</p>"
    "{% if extra_note %}<p>{{ extra_note|linebreaksbr }}</p>{% endif %}"
    '<p><a href="{{ account_url }}">Follow your order</a></p><p>Kind regards,<br>{{ shop_name }}</p>'
)


def shipment_sent_with_tracking(apps, schema_editor):
    EmailTemplate = apps.get_model("notifications", "EmailTemplate")
    template = EmailTemplate.objects.filter(kind="shipment_sent").first()
    if template is None:
        EmailTemplate.objects.create(kind="shipment_sent", **DEFAULTS["shipment_sent"])
    elif (template.body_text, template.body_html) == (OLD_TEXT, OLD_HTML):
        for field, value in DEFAULTS["shipment_sent"].items():
            setattr(template, field, value)
        template.save()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0006_payment_received_text")]
    operations = [migrations.RunPython(shipment_sent_with_tracking, migrations.RunPython.noop)]
