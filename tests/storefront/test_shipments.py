"""The customer's order page shows each shipment: number, status, carrier, tracking link (new tab), dates."""

import pytest
from django.urls import reverse

from fulfillment.services.shipments import shipment_cancel, shipment_deliver, shipment_ship, shipments_create

pytestmark = pytest.mark.django_db


def test_each_shipment_with_its_tracking_link_opening_in_a_new_tab(customer_client, place_order, stocked):
    order = place_order([(stocked, 2)])
    line = order.lines.get()
    first = shipments_create(order_id=order.pk, quantities={line.pk: 1})[0]
    shipment_ship(shipment_id=first.pk, carrier="PostNL", tracking_code="3SX1", tracking_url="https://t.example/3SX1")
    shipment_deliver(shipment_id=first.pk)
    second = shipments_create(order_id=order.pk)[0]
    html = customer_client.get(reverse("storefront:order_detail", args=[order.number])).content.decode()
    assert first.number in html and "Delivered" in html and "PostNL" in html
    assert 'href="https://t.example/3SX1" target="_blank" rel="noopener noreferrer"' in html
    assert second.number in html and "Being prepared" in html


def test_a_cancelled_shipment_is_not_shown(customer_client, place_order, stocked):
    order = place_order([(stocked, 1)])
    shipment = shipments_create(order_id=order.pk)[0]
    shipment_cancel(shipment_id=shipment.pk)
    html = customer_client.get(reverse("storefront:order_detail", args=[order.number])).content.decode()
    assert shipment.number not in html and "Nothing has shipped yet" in html


def test_someone_elses_shipments_stay_hidden(customer_client, other_customer, place_order, stocked):
    order = place_order([(stocked, 1)], customer=other_customer)
    shipment = shipments_create(order_id=order.pk)[0]
    shipment_ship(shipment_id=shipment.pk, tracking_code="SECRET1", tracking_url="https://t.example/SECRET1")
    response = customer_client.get(reverse("storefront:order_detail", args=[order.number]))
    assert response.status_code == 404 and b"SECRET1" not in response.content
