"""The account pages show what is left of each line: ordered, cancelled, and the live quantity; removed lines
are marked as removed, never listed with their original quantity as if still coming."""

import re

import pytest
from django.urls import reverse

from orders.services.cancel import order_line_cancel
from orders.services.edit import EditChanges, order_edit_commit
from tests.factories import ProductFactory, stock

LIST_URL = reverse("storefront:order_list")


def cells(html: str, name: str) -> dict[str, str]:
    """The cells of the detail row of the line called `name`, by column label, without tags."""
    row = re.search(
        rf"<tr[^>]*>\s*<td data-label=\"Item\">(?:(?!</tr>).)*?{re.escape(name)}(?:(?!</tr>).)*</tr>", html, re.S
    )
    assert row, name
    found = dict(re.findall(r'<td data-label="(\w+)"[^>]*>(.*?)</td>', row.group(0), re.S))
    return {label: " ".join(re.sub(r"<[^>]+>", " ", text).split()) for label, text in found.items()} | {
        "_row": row.group(0)
    }


@pytest.fixture
def order(place_order, stocked, tax_rate, location):
    cup = ProductFactory(sku="CUP-1", name="Cup", tax_rate=tax_rate)
    plate = ProductFactory(sku="PLATE-1", name="Plate", tax_rate=tax_rate)
    stock(cup, location, 10)
    stock(plate, location, 10)
    order = place_order([(stocked, 4), (cup, 2), (plate, 1)])
    lines = {line.sku: line for line in order.lines.all()}
    order_line_cancel(order_id=order.pk, line_id=lines["MUG-1"].pk, quantity=1, reason="Out of stock")
    order.refresh_from_db()
    order_edit_commit(
        order_id=order.pk, changes=EditChanges(quantities={lines["CUP-1"].pk: 0}), base_version=order.version
    )
    return order


@pytest.mark.django_db
def test_order_page_shows_ordered_cancelled_and_live_quantities_and_marks_removed_lines(customer_client, order):
    # when
    html = customer_client.get(reverse("storefront:order_detail", args=[order.number])).content.decode()
    # then: the mugs, 4 ordered of which 1 cancelled (struck through), 3 live
    mug = cells(html, "Mug")
    assert (mug["Ordered"], mug["Cancelled"], mug["Quantity"]) == ("4", "1 cancelled", "3")
    assert '<s class="cancelled">1</s>' in mug["_row"]
    assert "Removed" not in mug["_row"]
    # and the cups, removed by an edit: struck through and marked removed, nothing live
    cup = cells(html, "Cup")
    assert (cup["Ordered"], cup["Cancelled"], cup["Quantity"]) == ("2", "2 cancelled", "0")
    assert 'class="line-removed"' in cup["_row"] and "<s>Cup</s>" in cup["_row"]
    assert '<span class="badge-removed">Removed</span>' in cup["_row"]
    # and the untouched plate
    plate = cells(html, "Plate")
    assert (plate["Ordered"], plate["Cancelled"], plate["Quantity"]) == ("1", "–", "1")


@pytest.mark.django_db
def test_order_list_summarises_the_live_quantities_and_counts_removed_lines(customer_client, order):
    # when
    html = customer_client.get(LIST_URL).content.decode()
    # then
    items = " ".join(re.search(r'<div class="order-items[^"]*">(.*?)</div>', html, re.S).group(1).split())
    assert items == '3 × Mug, 1 × Plate <span class="removed-note">· 1 item removed</span>'
