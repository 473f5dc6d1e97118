"""Packing slips and pick lists as PDF: read back as text (pdftotext), never a price, markup printed as text."""

import subprocess

import pytest

from fulfillment.documents import pick_lists_for_print, shipments_for_packing_slips
from fulfillment.models import Shipment
from fulfillment.pdf import packing_slips_pdf, pick_lists_pdf
from fulfillment.services.picking import pick_line_short, pick_lists_create_for_order
from oms.models import ShopSettings
from orders.models import OrderLine

pytestmark = pytest.mark.django_db


def text_of(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


@pytest.fixture
def shop(db):
    shop = ShopSettings.load()
    shop.name, shop.address, shop.vat_number = "Harbour Goods", "Kade 1\n1011 AB Amsterdam", "NL001234567B01"
    shop.save()
    return shop


def test_a_packing_slip_has_the_shop_numbers_address_and_quantities_and_no_price(pending_order, shop):
    order = pending_order(2, 3, 0)
    shipment = Shipment.objects.get(order=order)
    [slip] = shipments_for_packing_slips([shipment.pk])
    text = text_of(packing_slips_pdf([slip]))
    assert "Packing slip" in text and "Harbour Goods" in text and "NL001234567B01" in text
    assert order.number in text and shipment.number in text
    assert order.shipping_city in text and order.shipping_street in text
    # each line: a tick box, the quantity, the SKU and the name, on one line of text
    assert "☐ 2 × MUG · Mug" in text and "☐ 3 × CUP · Cup" in text
    # no price, no total, no currency anywhere
    order.refresh_from_db()
    prices = {str(amount) for line in order.lines.all() for amount in (line.unit_price, line.net, line.gross)}
    prices |= {str(order.total_gross), str(order.total_net)}
    assert not any(price in text for price in prices)
    assert "€" not in text and "EUR" not in text and "Total" not in text


def test_markup_in_an_item_name_prints_as_text_and_fetches_nothing(pending_order, shop):
    order = pending_order(1, 0, 0)
    evil = "<img src=http://attacker.example/x.png><b>Mug</b>"
    OrderLine.objects.filter(order=order).update(name=evil)
    shipment = Shipment.objects.get(order=order)
    text = text_of(packing_slips_pdf(shipments_for_packing_slips([shipment.pk])))
    assert "<img src=http://attacker.example/x.png><b>Mug</b>" in text


def test_a_batch_of_slips_is_one_document_in_the_order_asked(pending_order, shop, django_assert_num_queries):
    orders = [pending_order(1, 0, 0), pending_order(0, 2, 0), pending_order(0, 0, 3)]
    ids = [Shipment.objects.get(order=o).pk for o in reversed(orders)]
    with django_assert_num_queries(2):
        slips = shipments_for_packing_slips(ids)
    data = packing_slips_pdf(slips)
    text = text_of(data)
    positions = [text.index(o.number) for o in reversed(orders)]
    assert positions == sorted(positions)
    assert text.count("Packing slip") == 3 and text.count("\f") == 3


def test_a_pick_list_shows_location_bins_products_quantities_and_numbers(
    pending_order, location, django_assert_num_queries
):
    order = pending_order(2, 3, 1)
    [pick_list] = pick_lists_create_for_order(order_id=order.pk)
    pick_line_short(line_id=pick_list.lines.get(product__sku="CUP").pk, found=1)
    with django_assert_num_queries(2):
        lists = pick_lists_for_print([pick_list.pk])
    data = pick_lists_pdf(lists)
    text = text_of(data)
    assert pick_list.number in text and location.name in text
    assert order.number in text and f"{order.number}-S1" in text
    rows = [line.split() for line in text.splitlines() if line.strip().startswith(("B-07", "C-02", "–"))]
    assert [row[:3] for row in rows] == [["–", "BAG", "Bag"], ["B-07", "CUP", "Cup"], ["C-02", "MUG", "Mug"]]
    assert "Short: 1 found" in text
    ticks = {row[1]: row[row.index("×") - 2] for row in rows}  # the tick box before "<qty> ×"
    assert ticks == {"BAG": "☐", "CUP": "☒", "MUG": "☐"}
