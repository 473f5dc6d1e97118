"""The admin home's dashboard: figures against a hand-built fixture, links that filter to exactly the rows
counted, cards by role, and a query count that does not grow with the data."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.services import stock_level_set_reorder_point
from invoicing.models import PaymentTerms
from notifications.models import DeliveryStatus, EmailKind, Message
from orders.models import Order
from orders.services.payments import order_payment_record
from reports.dashboard import dashboard_for
from tests.conftest import staff_in
from tests.factories import stock
from tests.invoicing.helpers import issued

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop_day(product, location, place_order, superuser):
    """Today: two orders placed (25.00 and 17.50 with a 5.00 shipping fee), the second paid in full, one draft;
    an order placed 3 days ago with an invoice overdue; a level below its reorder point; one failed e-mail."""
    level = stock(product, location, 100)
    unpaid = place_order([(product, 2)])
    paid = place_order([(product, 1)], shipping_fee=Decimal("5.00"))
    order_payment_record(order_id=paid.pk, amount=paid.total_gross, method="bank_transfer", actor=None)
    draft = place_order([(product, 1)], place=False)
    older = place_order([(product, 4)])
    Order.objects.filter(pk=older.pk).update(placed_at=timezone.now() - timedelta(days=3))
    issued(older, superuser, terms=PaymentTerms.objects.get(code="net_30"), day=timezone.localdate() - timedelta(40))
    stock_level_set_reorder_point(
        level_id=level.pk, reorder_point=95
    )  # sellable 93 (the draft reserves nothing): one open alert
    Message.objects.create(kind=EmailKind.FREE_TEXT, to="x@example.com", status=DeliveryStatus.FAILED)
    return {"unpaid": unpaid, "paid": paid, "draft": draft, "older": older}


def by_key(figures) -> dict:
    return {figure.key: figure.value for figure in figures}


def test_the_figures_match_the_hand_computed_day(shop_day, superuser):
    # when
    dash = dashboard_for(superuser)
    # then
    assert dash.today["orders"] == 2
    assert dash.today["revenue"] == [("EUR", Decimal("42.50"))]
    assert by_key(dash.tabs) == {
        "tab:all": 4, "tab:draft": 1, "tab:awaiting_payment": 2, "tab:awaiting_fulfilment": 1,
        "tab:partially_shipped": 0, "tab:shipped": 0, "tab:refund_due": 0, "tab:cancelled": 0,
    }  # fmt: skip
    assert by_key(dash.attention) == {
        "overdue_invoices": 1, "refunds_awaiting_approval": 0, "refunds_in_progress": 0, "low_stock": 1,
        "failed_messages": 1, "failed_webhooks": 0,
    }  # fmt: skip
    assert [order.pk for order in dash.waiting] == [shop_day["paid"].pk]
    assert [(alert.sellable, alert.reorder_point) for alert in dash.alerts] == [(93, 95)]


def _listed_pks(client, url) -> set[int]:
    response = client.get(url)
    assert response.status_code == 200, url
    return {row.pk for row in response.context["cl"].result_list}


def test_every_figure_links_to_a_list_of_exactly_its_rows(shop_day, superuser, client):
    # given
    client.force_login(superuser)
    dash = dashboard_for(superuser)
    # when / then: each link lists as many rows as the figure says (all below any page size here)
    for figure in [*dash.tabs, *dash.attention]:
        assert len(_listed_pks(client, figure.url)) == figure.value, figure.key
    assert _listed_pks(client, dash.today["url"]) == {shop_day["unpaid"].pk, shop_day["paid"].pk}
    assert _listed_pks(client, dash.waiting_url) == {shop_day["paid"].pk}
    overdue = next(f for f in dash.attention if f.key == "overdue_invoices")
    invoices = client.get(overdue.url).context["cl"].result_list
    assert [invoice.order_id for invoice in invoices] == [shop_day["older"].pk]


def test_the_admin_home_shows_the_figures_with_their_links(shop_day, superuser, client):
    # given
    client.force_login(superuser)
    # when
    page = client.get("/admin/").content.decode()
    # then
    assert 'data-figure="today_orders">2<' in page
    assert "EUR&nbsp;42.50" in page
    assert 'href="/admin/invoicing/invoice/?tab=overdue"' in page
    assert 'href="/admin/catalog/stockalert/?status=open"' in page
    assert f"#{shop_day['paid'].number}" in page
    assert "Go to" in page  # the sidebar's groups stay below the figures


def test_each_role_sees_only_the_cards_of_lists_it_may_open(shop_day):
    # given
    warehouse = staff_in("Warehouse", "w@example.com")
    finance = staff_in("Finance", "f@example.com")
    nobody = staff_in("Order desk", "d@example.com")
    nobody.groups.clear()
    # when
    seen = {
        name: dashboard_for(user) for name, user in (("warehouse", warehouse), ("finance", finance), ("nobody", nobody))
    }
    # then
    assert "low_stock" in by_key(seen["warehouse"].attention)
    assert "overdue_invoices" not in by_key(seen["warehouse"].attention)
    assert "overdue_invoices" in by_key(seen["finance"].attention)
    assert seen["finance"].alerts is None
    assert seen["nobody"].is_empty and seen["nobody"].waiting is None and seen["nobody"].alerts is None


def _many_orders(n: int, template: Order) -> None:
    now = timezone.now()
    Order.objects.bulk_create(
        Order(number=f"B{i}", channel_id=template.channel_id, customer_id=template.customer_id, currency="EUR",
              status="placed", payment_status="paid", fulfillment_status="unfulfilled", placed_at=now,
              total_gross=Decimal("10.00"))
        for i in range(n)
    )  # fmt: skip


# session, user, the counts (one query), today, the waiting orders, the open alerts
DASHBOARD_QUERIES = 6


@pytest.mark.parametrize("orders", [10, 200])
def test_the_admin_home_reads_a_fixed_number_of_queries_whatever_the_data(shop_day, superuser, client, orders):
    # given
    _many_orders(orders, shop_day["paid"])
    client.force_login(superuser)
    # when
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/")
    # then
    assert response.status_code == 200
    assert len(queries) == DASHBOARD_QUERIES, [q["sql"][:120] for q in queries]


def test_the_refund_cards_count_refund_rows_and_link_to_exactly_them(refunds_today, superuser, client):
    # given: G paid back, H pending approval, K sent as a payout to confirm (conftest.py)
    client.force_login(superuser)
    # when
    dash = dashboard_for(superuser)
    # then: pending = awaiting approval; approved and sent = in progress; the paid refund is in neither
    figures = {figure.key: figure for figure in dash.attention}
    waiting, moving = figures["refunds_awaiting_approval"], figures["refunds_in_progress"]
    assert (waiting.value, moving.value) == (1, 1)
    assert waiting.url.endswith("?status__exact=pending")
    assert _listed_pks(client, waiting.url) == {refunds_today["h"].pk}
    assert _listed_pks(client, moving.url) == {refunds_today["k"].pk}
    page = client.get("/admin/").content.decode()
    assert 'data-figure="refunds_awaiting_approval">1<' in page
    assert 'data-figure="refunds_in_progress">1<' in page


def test_the_refund_cards_show_only_to_who_may_see_refunds(refunds_today):
    # given
    warehouse = staff_in("Warehouse", "w@example.com")
    finance = staff_in("Finance", "f@example.com")
    # when / then
    assert "refunds_in_progress" not in by_key(dashboard_for(warehouse).attention)
    assert by_key(dashboard_for(finance).attention)["refunds_awaiting_approval"] == 1
