"""The order list's columns (badges, amounts with currency) and its CSV export of the current filter or a selection."""

import csv
import io

import pytest
from django.urls import reverse

from tests import factories

LIST_URL = reverse("admin:orders_order_changelist")
EXPORT_URL = reverse("admin:orders_order_export")


@pytest.fixture
def orders(place_order, product, location, customer):
    factories.stock(product, location, 50)
    customer.company = "Smit Servies BV"
    customer.save()
    return {"draft": place_order([(product, 1)], place=False), "placed": place_order([(product, 2)])}


def rows_of(response) -> list[dict]:
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_the_list_shows_status_badges_and_the_total_with_its_currency(client, desk, orders):
    # given
    client.force_login(desk)
    # when
    html = client.get(LIST_URL).content.decode()
    # then
    assert '<span class="badge badge-info">Placed</span>' in html
    assert '<span class="badge badge-warning">Unpaid</span>' in html
    assert '<span class="money">EUR&nbsp;25.00</span>' in html
    assert "Smit Servies BV" in html  # the company under the customer's name
    assert 'id="export-csv"' in html


def test_the_export_link_carries_the_current_tab_and_search(client, desk, orders):
    client.force_login(desk)
    html = client.get(LIST_URL, {"tab": "draft"}).content.decode()
    assert f'href="{EXPORT_URL}?tab=draft"' in html


def test_exporting_a_tab_gives_every_order_of_that_tab(client, desk, orders):
    # given
    client.force_login(desk)
    # when
    rows = rows_of(client.get(EXPORT_URL, {"tab": "awaiting_payment"}))
    # then
    assert [row["Number"] for row in rows] == [orders["placed"].number]
    assert rows[0]["Total"] == "25.00" and rows[0]["Currency"] == "EUR" and rows[0]["Company"] == "Smit Servies BV"
    assert rows[0]["Status"] == "placed" and rows[0]["Payment status"] == "unpaid"


def test_exporting_without_a_filter_gives_every_order(client, desk, orders):
    client.force_login(desk)
    numbers = {row["Number"] for row in rows_of(client.get(EXPORT_URL))}
    assert numbers == {order.number for order in orders.values()}


def test_the_export_action_gives_the_selected_orders(client, desk, orders):
    # given
    client.force_login(desk)
    # when
    response = client.post(
        LIST_URL, {"action": "export_csv", "_selected_action": [orders["draft"].pk], "index": 0, "select_across": 0}
    )
    # then
    assert [row["Number"] for row in rows_of(response)] == [orders["draft"].number]


def test_staff_who_may_not_see_orders_may_not_export_them(client, orders):
    client.force_login(factories.StaffFactory(email="nobody@example.com"))
    assert client.get(EXPORT_URL).status_code == 403
