"""The invoice PDF: a customer's text is text, nothing outside the static files is fetched, the merchant's template."""

from decimal import Decimal
from unittest import mock

import pytest

from invoicing.pdf import invoice_html, render_invoice
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
