"""Links printed on and mailed with invoices.

`invoice_pay_url` is the placeholder the pay-link work replaces with its signed link
(invoicing/paylink.py); until then invoices carry no pay link.
"""


def invoice_pay_url(invoice) -> str:
    """The absolute URL where the customer pays this invoice ('' when there is none)."""
    return ""
