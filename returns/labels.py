"""Return labels as PDF: plain data in, bytes out (no queries here; `label_data_for_request` reads).

A label is one A4 page with an A6-sized label in its top-left corner, framed by a dashed cut line, so it
prints on any office printer and is cut out to stick on the parcel. It carries the shop's return address
(the "to" block, largest), the customer's address (the "from" block), the return and order numbers and a
Code128 barcode of the return number, which the warehouse scans when the parcel arrives.

The barcode is drawn by python-barcode's SVG writer and embedded as INLINE SVG markup, so WeasyPrint
fetches nothing for it. Every other value goes through Django's autoescape, and the page is rendered by
`oms.pdf` with its static-only fetcher: an address like `<img src=http://…>` prints as that text and no
URL is ever opened.
"""

import re
from dataclasses import dataclass, field
from datetime import date

import barcode
from barcode.writer import SVGWriter
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from oms.pdf import render_pdf

STYLESHEETS = ("oms/pdf.css", "returns/label.css")
BARCODE_TYPE = "code128"
# 0.4 mm modules and 10 mm quiet zones: well inside what handheld laser and camera scanners read at arm's
# length (Code128's minimum quiet zone is 10 modules; we give 25).
BARCODE_OPTIONS = {
    "module_width": 0.4,
    "module_height": 22.0,
    "quiet_zone": 10.0,
    "write_text": False,
    "background": "white",
    "foreground": "black",
}
_PROLOG = re.compile(r"^\s*<\?xml[^>]*\?>\s*(<!DOCTYPE[^>]*>\s*)?", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# The writer colours bars with `style="fill:…"`; inside an HTML document WeasyPrint reads a style attribute
# as HTML CSS and warns about every bar, so the colour becomes the SVG presentation attribute instead.
_FILL_STYLE = re.compile(r'style="fill:\s*([#a-zA-Z0-9]+);?"')


@dataclass(frozen=True)
class LabelData:
    """What a label prints. Addresses are lists of lines (blank lines are dropped when printed)."""

    return_number: str
    order_number: str
    shop_name: str
    shop_address: list[str]
    customer_name: str
    customer_address: list[str]
    issued_on: date | None = None
    units: int | None = None
    notes: list[str] = field(default_factory=list)


def barcode_modules(value: str) -> str:
    """The Code128 bar pattern of `value` as python-barcode builds it ("1" = dark module)."""
    return barcode.get(BARCODE_TYPE, value).build()[0]


def barcode_svg(value: str) -> SafeString:
    """Inline `<svg>` markup of the Code128 barcode of `value` (no XML prolog, no doctype, no comment).

    Safe to mark safe: the markup is built by the library's XML writer, which escapes everything, and with
    `write_text` off the value itself does not even appear in it."""
    if not value or not value.isprintable() or not value.isascii():
        raise ValueError("A barcode needs printable ASCII characters.")
    raw = barcode.get(BARCODE_TYPE, value, writer=SVGWriter()).render(dict(BARCODE_OPTIONS)).decode("utf-8")
    markup = _FILL_STYLE.sub(r'fill="\1"', _COMMENT.sub("", _PROLOG.sub("", raw))).strip()
    return mark_safe(markup)  # noqa: S308 (escaped by the library's XML writer, see above)


def _lines(values: list[str]) -> list[str]:
    return [value.strip() for value in values if value and value.strip()]


def return_label_html(data: LabelData) -> str:
    context = {
        "label": data,
        "shop_address": _lines(data.shop_address),
        "customer_address": _lines(data.customer_address),
        "barcode": barcode_svg(data.return_number),
    }
    return render_to_string("returns/pdf/return_label.html", context)


def return_label_pdf(data: LabelData) -> bytes:
    """One A4 page with the cut-out A6 label."""
    return render_pdf(return_label_html(data), stylesheets=STYLESHEETS)


def label_data_for_request(request, shop=None) -> LabelData:
    """What the label of an accepted return request prints: the shop's name and address (ShopSettings),
    the order's shipping address as the sender. Reads the request's order and lines (select them with it)."""
    from oms.models import ShopSettings

    shop = shop or ShopSettings.load()
    order = request.order
    city = " ".join(part for part in (order.shipping_postal_code, order.shipping_city) if part)
    return LabelData(
        return_number=request.number,
        order_number=order.number or "",
        shop_name=shop.name,
        shop_address=shop.address.splitlines(),
        customer_name=order.shipping_name or order.customer.name,
        customer_address=[order.shipping_company, order.shipping_street, city, _country(order.shipping_country)],
        issued_on=(request.decided_at or request.created_at).date(),
        units=sum(line.quantity for line in request.lines.all()),
    )


def _country(code: str) -> str:
    from django_countries import countries

    return countries.name(code) or code if code else ""
