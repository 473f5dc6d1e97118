"""Links printed on and mailed with invoices.

`invoice_pay_url` is the signed pay link of `invoicing/paylink.py` (no login; it opens only that invoice).
"""


def invoice_pay_url(invoice) -> str:
    """The absolute URL where the customer pays this invoice ('' for a draft, which has no number yet)."""
    from .paylink import invoice_pay_url as signed_pay_url  # paylink imports the models; links is imported by them

    return signed_pay_url(invoice) if invoice.number else ""
