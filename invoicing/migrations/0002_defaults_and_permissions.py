from decimal import Decimal

from django.db import migrations

from invoicing.defaults import DEFAULT_TERMS, INVOICE_HTML
from oms.permissions import ROLE_FINANCE, ROLE_MANAGER, ROLE_ORDER_DESK, grant_group_permissions

VIEW = [
    "invoicing.view_invoice", "invoicing.view_invoiceline", "invoicing.view_paymentterms",
    "invoicing.view_invoicepayment", "invoicing.view_instalment",
]
FINANCE = VIEW + [
    "invoicing.add_invoice", "invoicing.change_invoice", "invoicing.issue_invoice", "invoicing.send_invoice",
    "invoicing.cancel_invoice", "invoicing.credit_invoice",
    "invoicing.add_paymentterms", "invoicing.change_paymentterms",
    "invoicing.view_customerterms", "invoicing.add_customerterms", "invoicing.change_customerterms",
    "invoicing.delete_customerterms",
    "invoicing.view_invoicedocumenttemplate", "invoicing.change_invoicedocumenttemplate",
]


def install_defaults(apps, schema_editor):
    PaymentTerms = apps.get_model("invoicing", "PaymentTerms")
    Portion = apps.get_model("invoicing", "PaymentTermsPortion")
    Template = apps.get_model("invoicing", "InvoiceDocumentTemplate")
    for code, name, kind, days, discount, discount_days, portions in DEFAULT_TERMS:
        terms, created = PaymentTerms.objects.get_or_create(
            code=code,
            defaults={"name": name, "kind": kind, "days": days, "discount_percent": Decimal(discount),
                      "discount_days": discount_days},
        )
        if created:
            for position, (percent, portion_days) in enumerate(portions):
                Portion.objects.create(terms=terms, position=position, percent=Decimal(percent), days=portion_days)
    Template.objects.get_or_create(kind="invoice", defaults={"body_html": INVOICE_HTML})


def grant(apps, schema_editor):
    # Finance and managers invoice; the order desk sees invoices (customers ask about them).
    grant_group_permissions(apps, {ROLE_FINANCE: FINANCE, ROLE_MANAGER: FINANCE, ROLE_ORDER_DESK: VIEW})


def create_defaults(apps, schema_editor):
    install_defaults(apps, schema_editor)
    grant(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("invoicing", "0001_initial"), ("oms", "0002_staff_groups")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
