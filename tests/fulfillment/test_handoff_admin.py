"""The order desk sees why a line is locked (Articles tab), the admin refuses with the service's sentence, and
warehouse connections get their tokens in the admin."""

import pytest
from django.urls import reverse

from fulfillment.models import WarehouseConnection
from fulfillment.services.handoff import shipment_release
from fulfillment.services.shipments import shipments_create
from orders.models import Channel, Order, OrderLine
from tests.factories import ProductFactory, stock

pytestmark = pytest.mark.django_db


def articles(client, user, order):
    client.force_login(user)
    return client.get(reverse("admin:orders_order_page", args=(order.pk, "articles")))


def _released_order(place_order, products, location, warehouse):
    for product in products:
        stock(product, location, 10)
    order = place_order([(product, 2) for product in products])
    (shipment,) = shipments_create(order_id=order.pk)
    shipment_release(shipment_id=shipment.pk, actor=warehouse)
    return order, shipment


def test_the_articles_tab_shows_a_lock_badge_with_the_sentence_and_no_cancel_form(
    client, desk, warehouse, place_order, product, location
):
    # given
    order, shipment = _released_order(place_order, [product], location, warehouse)
    # when
    html = articles(client, desk, order).content.decode()
    # then
    sentence = f"Line Mug is in shipment {shipment.number}, released to the warehouse: request a recall first."
    assert sentence in html and "Locked" in html
    assert 'class="line-cancel"' not in html


def test_cancelling_a_locked_line_by_hand_is_refused_with_the_same_sentence(
    client, desk, warehouse, place_order, product, location
):
    order, shipment = _released_order(place_order, [product], location, warehouse)
    line = order.lines.get()
    client.force_login(desk)
    url = reverse("admin:orders_order_page", args=(order.pk, "articles"))
    response = client.post(url, {"line": line.pk, "quantity": 1, "reason": "x"}, follow=True)
    sentence = f"Line Mug is in shipment {shipment.number}, released to the warehouse: request a recall first."
    assert sentence in [str(message) for message in response.context["messages"]]
    line.refresh_from_db()
    assert line.quantity_canceled == 0 and Order.objects.get(pk=order.pk).version == order.version


def test_the_lock_badges_take_one_query_whatever_the_number_of_lines(
    client, desk, warehouse, place_order, product, location, tax_rate, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small, _ = _released_order(place_order, [product], location, warehouse)
    others = [ProductFactory(sku=f"P-{i}", name=f"Product {i}", tax_rate=tax_rate) for i in range(4)]
    large, _ = _released_order(place_order, others, location, warehouse)
    counts = []
    for order in (small, large):
        articles(client, desk, order)  # warm the session and permission caches
        with CaptureQueriesContext(connection) as queries:
            articles(client, desk, order)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert OrderLine.objects.filter(order=large).count() == 4


def test_a_token_issued_in_the_admin_is_shown_once_and_only_its_digest_kept(client, superuser):
    connection = WarehouseConnection.objects.create(name="Main WMS")
    client.force_login(superuser)
    url = reverse("admin:fulfillment_warehouseconnection_changelist")
    response = client.post(url, {"action": "issue_token", "_selected_action": [connection.pk]}, follow=True)
    (message,) = [str(m) for m in response.context["messages"]]
    token = message.split(": ")[1].split(" ")[0]
    connection.refresh_from_db()
    assert connection.api_token_digest == Channel.digest(token) and token not in connection.api_token_digest
    assert client.get(url).status_code == 200
    assert client.get(reverse("admin:fulfillment_warehouseconnection_change", args=(connection.pk,))).status_code == 200


def test_the_desk_and_the_warehouse_do_not_manage_warehouse_connections(client, desk, warehouse):
    url = reverse("admin:fulfillment_warehouseconnection_changelist")
    for user in (desk, warehouse):
        client.force_login(user)
        assert client.get(url).status_code == 403


def test_managers_manage_warehouse_connections(client):
    from tests.conftest import staff_in

    manager = staff_in("Manager", "boss@example.com")
    client.force_login(manager)
    assert client.get(reverse("admin:fulfillment_warehouseconnection_add")).status_code == 200
