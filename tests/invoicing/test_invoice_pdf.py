"""The invoice PDF: a customer's text is text, nothing outside the static files is fetched, the merchant's template."""

from decimal import Decimal
from unittest import mock

import pytest

from invoicing.defaults import INVOICE_HTML
from invoicing.pdf import invoice_document_context, invoice_html, render_invoice
from invoicing.services.drafts import invoice_create
from invoicing.services.issue import invoice_issue
from oms import pdf
from orders.services.placement import LineInput, OrderInput, order_create
from tests.invoicing.test_issue import pdf_text

pytestmark = pytest.mark.django_db

EVIL = '<b>Bold</b><img src="http://attacker.example/p.png"><img src="file:///etc/passwd">'


def test_custom_item_with_markup_renders_escaped_and_fetches_nothing(channel, customer, shop, finance):
    order = order_create(
        data=OrderInput(
            channel=channel, customer=customer,
            lines=[LineInput(quantity=1, name=EVIL, unit_price=Decimal("10.00"), tax_rate=Decimal("21.00"))],
        ),
        actor=None, place=True,
    )  # fmt: skip
    invoice = invoice_issue(invoice_id=invoice_create(order_id=order.pk, actor=finance).pk, actor=finance)
    html = invoice_html(invoice)
    assert '<img src="http' not in html and "&lt;img src=&quot;http://attacker.example/p.png&quot;&gt;" in html
    with mock.patch.object(pdf.StaticOnlyFetcher, "fetch", autospec=True, side_effect=pdf.FetchRefused) as spy:
        data = render_invoice(invoice)
    fetched = [call.args[1] for call in spy.call_args_list]
    assert not any("attacker" in url or url.startswith("file:") for url in fetched)
    text = pdf_text(data).replace("\n", " ")
    assert "<b>Bold</b>" in text and invoice.number in text


def test_merchant_template_is_used_and_errors_refused(order, finance):
    from django.core.exceptions import ValidationError

    from invoicing.models import InvoiceDocumentTemplate

    template = InvoiceDocumentTemplate.objects.get(kind="invoice")
    template.body_html = "<p>Custom layout {{ invoice.number }} {{ invoice.total_gross }}</p>"
    template.save()
    invoice = invoice_issue(invoice_id=invoice_create(order_id=order.pk, actor=finance).pk, actor=finance)
    assert f"Custom layout {invoice.number} {invoice.total_gross}" in pdf_text(render_invoice(invoice))
    template.body_html = "{% if %}"
    with pytest.raises(ValidationError):
        template.full_clean()


def test_the_default_invoice_shows_what_the_customer_needs(order, finance, shop):
    shop.name, shop.address, shop.vat_number = "Harbour Goods", "Kade 1\n1011 AB Amsterdam", "NL001234567B01"
    shop.save()
    invoice = invoice_issue(invoice_id=invoice_create(order_id=order.pk, actor=finance).pk, actor=finance)
    text = pdf_text(render_invoice(invoice))
    assert "Harbour Goods" in text and "1011 AB Amsterdam" in text and "VAT NL001234567B01" in text
    assert "Bill to" in text and invoice.customer_name in text
    assert f"Number: {invoice.number}" in text and f"Order: {order.number}" in text
    assert f"Due date: {invoice.due_date}" in text
    assert "MUG-1 · Mug" in text and "BOOK-1 · Book" in text and "Shipping" in text
    assert "Tax 21.00 % on" in text and "Tax 9.00 % on" in text
    assert f"Total excl. tax: {invoice.total_net}" in text and f"Total EUR {invoice.total_gross}" in text
    assert "Pay online: http" in text and "Page 1 of 1" in text
    assert "Discount" not in text  # no line has one: no empty column


def test_the_discount_column_shows_when_a_line_has_a_discount(order, finance):
    invoice = invoice_create(order_id=order.pk, actor=finance)
    context = invoice_document_context(invoice)
    assert context["has_discount"] is False
    context["lines"][0]["discount"], context["has_discount"] = "1.25", True
    from notifications.services.rendering import html_render

    html = html_render(INVOICE_HTML, context)
    assert '<th class="num discount">Discount</th>' in html and '<td class="num">1.25</td>' in html


def test_migration_0009_swaps_the_untouched_old_default_and_keeps_a_changed_template(db, monkeypatch):
    import hashlib
    import importlib

    from django.apps import apps

    from invoicing.models import InvoiceDocumentTemplate

    migration = importlib.import_module("invoicing.migrations.0009_invoice_template_lean")
    assert hashlib.sha256(INVOICE_HTML.encode()).hexdigest() != migration.PREVIOUS_DEFAULT  # runs once
    template = InvoiceDocumentTemplate.objects.get(kind="invoice")
    template.body_html = "<p>the old default {{ invoice.number }}</p>"
    template.save()
    monkeypatch.setattr(migration, "PREVIOUS_DEFAULT", hashlib.sha256(template.body_html.encode()).hexdigest())
    migration.use_the_new_default(apps, None)
    template.refresh_from_db()
    assert template.body_html == INVOICE_HTML
    template.body_html = "<p>my own {{ invoice.number }}</p>"
    template.save()
    migration.use_the_new_default(apps, None)
    template.refresh_from_db()
    assert template.body_html == "<p>my own {{ invoice.number }}</p>"
