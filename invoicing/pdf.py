"""Invoice and credit-invoice PDFs: the document's data as plain JSON, the merchant's template, oms.pdf.

`invoice_document_context` is the only data the template sees (strings and numbers: the restricted engine
of the e-mail templates renders it, autoescaped), so a customer's text is always text in the PDF and
an image can only come from the static files (`oms.pdf.StaticOnlyFetcher`).
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import F

from notifications.services.rendering import html_render
from oms.models import ShopSettings
from oms.money import ZERO
from oms.pdf import PDF_BASE_URL, render_pdf

from .defaults import INVOICE_HTML
from .links import invoice_pay_url
from .models import Invoice, InvoiceDocumentTemplate

# invoice.css styles the default template (scoped to <body class="invoice">), parsed once per process.
STYLESHEETS = ("oms/pdf.css", "invoicing/invoice.css")


def template_source() -> str:
    return (
        InvoiceDocumentTemplate.objects.filter(kind=InvoiceDocumentTemplate.Kind.INVOICE)
        .values_list("body_html", flat=True)
        .first()
        or INVOICE_HTML
    )


def tax_summary(lines) -> list[dict]:
    """Per tax rate: the net and tax of its lines (sums of the rounded lines, so they add up to the totals)."""
    by_rate: dict[Decimal, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
    for line in lines:
        sums = by_rate[line.tax_rate]
        sums[0] += line.net
        sums[1] += line.tax
        sums[2] += line.gross
    return [
        {"rate": str(rate), "net": str(net), "tax": str(tax), "gross": str(gross)}
        for rate, (net, tax, gross) in sorted(by_rate.items(), reverse=True)
    ]


def _shop(shop: ShopSettings) -> dict:
    logo = f"{PDF_BASE_URL}media/{shop.logo.name}" if shop.logo else ""
    return {"name": shop.name, "address": shop.address, "vat_number": shop.vat_number, "logo_url": logo}


def invoice_document_context(invoice: Invoice, *, lines=None, orders=None) -> dict:
    # The order's number only, not its ~70 columns: the read is most of a one-page invoice's HTML time.
    lines = list(lines if lines is not None else invoice.lines.annotate(order_number=F("source_order__number")))
    for line in lines:
        if not hasattr(line, "order_number"):
            line.order_number = line.source_order.number
    order_numbers = orders or sorted({line.order_number for line in lines} or {invoice.order.number})
    return {
        "shop": _shop(ShopSettings.load()),
        "invoice": {
            "title": "Credit invoice" if invoice.is_credit else "Invoice",
            "is_credit": invoice.is_credit,
            "number": invoice.number or "DRAFT",
            "issue_date": str(invoice.issue_date or ""),
            # Issued: when the open balance is next due (a schedule's first unpaid instalment); a draft: its date.
            "due_date": str((invoice.next_due_date if invoice.number else invoice.due_date) or ""),
            "terms": invoice.terms_text or (str(invoice.terms) if invoice.terms else ""),
            "credit_for": invoice.credit_for.number if invoice.credit_for_id else "",
            "orders": ", ".join(order_numbers),
            "bill_to": invoice.bill_to,
            "customer_name": invoice.customer_name,
            "note": invoice.note,
            "currency": invoice.currency,
            "total_net": str(invoice.total_net),
            "total_tax": str(invoice.total_tax),
            "total_gross": str(invoice.total_gross),
            "discount_percent": str(invoice.discount_percent) if invoice.discount_percent else "",
            "discount_until": str(invoice.discount_until or ""),
        },
        "lines": [
            {
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "discount": str(line.discount),
                "tax_rate": str(line.tax_rate),
                "net": str(line.net),
                "tax": str(line.tax),
                "gross": str(line.gross),
                "order": line.order_number if invoice.combined else "",
            }
            for line in lines
        ],  # fmt: skip
        "has_discount": any(line.discount for line in lines),  # the default template shows the column only then
        "tax_summary": tax_summary(lines),
        "instalments": [
            {"due_date": str(part.due_date), "amount": str(part.amount)} for part in invoice.instalments.all()
        ],
        "pay_url": invoice_pay_url(invoice) if not invoice.is_credit else "",
    }


def invoice_html(invoice: Invoice, *, source: str | None = None) -> str:
    return html_render(source if source is not None else template_source(), invoice_document_context(invoice))


def render_invoice(invoice: Invoice, *, source: str | None = None) -> bytes:
    """The invoice as PDF bytes (pure: reads the invoice, writes nothing)."""
    return render_pdf(invoice_html(invoice, source=source), stylesheets=STYLESHEETS)
