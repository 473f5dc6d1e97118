"""Packing slips and pick lists as PDF: data in, bytes out (no queries here: `fulfillment.documents` reads).

A batch is ONE HTML document rendered once, each slip or list starting a new page: a day's 500 packing slips
cost one layout pass with the shared fonts of `oms.pdf`, not 500. The templates are lean because WeasyPrint's
time goes per box and per line of text (README, Performance): a slip is five blocks of lines, a pick list
three fixed-layout cells a line. Every value goes through Django's autoescape, so an item called
`<img src=http://…>` prints as that text and nothing is fetched.
"""

from django.template.loader import render_to_string

from oms.models import ShopSettings
from oms.pdf import render_pdf

SLIP_STYLESHEETS = ("oms/pdf.css", "fulfillment/packing_slip.css")
PICK_LIST_STYLESHEETS = ("oms/pdf.css", "fulfillment/pick_list.css")


def packing_slips_html(shipments, shop: ShopSettings | None = None) -> str:
    shop = shop or ShopSettings.load()
    return render_to_string("fulfillment/pdf/packing_slips.html", {"shop": shop, "shipments": shipments})


def pick_lists_html(pick_lists) -> str:
    return render_to_string("fulfillment/pdf/pick_lists.html", {"pick_lists": pick_lists})


def packing_slips_pdf(shipments, shop: ShopSettings | None = None) -> bytes:
    """One PDF, a page (or more) per shipment, in the order given."""
    return render_pdf(packing_slips_html(shipments, shop), stylesheets=SLIP_STYLESHEETS)


def pick_lists_pdf(pick_lists) -> bytes:
    """One PDF, a page (or more) per pick list, in the order given."""
    return render_pdf(pick_lists_html(pick_lists), stylesheets=PICK_LIST_STYLESHEETS)
