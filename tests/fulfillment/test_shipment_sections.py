"""The shipment page's Holds and Warehouse hand-off sections: forms that call the services, checked per role."""

import pytest
from django.urls import reverse

from fulfillment.models import Shipment, ShipmentHold
from fulfillment.services.shipments import shipments_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipment(mug_order):
    (shipment,) = shipments_create(order_id=mug_order.pk)
    return shipment


def page(client, user, shipment) -> str:
    client.force_login(user)
    response = client.get(reverse("admin:fulfillment_shipment_change", args=(shipment.pk,)))
    assert response.status_code == 200
    return response.content.decode()


def section_post(client, user, shipment, slug, data):
    client.force_login(user)
    url = reverse("admin:fulfillment_shipment_section", args=(shipment.pk, slug))
    return client.post(url, data, follow=True)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _snapshot(shipment):
    shipment.refresh_from_db()
    return (shipment.handoff_status, list(ShipmentHold.objects.values_list("pk", "released_at")))


def test_the_desk_holds_and_releases_a_hold_from_the_shipment_page(client, desk, shipment):
    # given
    html = page(client, desk, shipment)
    assert 'id="section-holds"' in html and 'id="hold-form"' in html and "No hold stands" in html
    # when
    response = section_post(client, desk, shipment, "holds", {"reason": "address_check", "note": "No house number"})
    # then
    assert messages_of(response) == [f"Shipment {shipment.number} is on hold."]
    hold = shipment.holds.get()
    html = response.content.decode()
    assert "Address check: No house number (" in html and 'data-badge="hold"' in html
    response = section_post(client, desk, shipment, "holds", {"release": hold.pk})
    assert messages_of(response) == ["The hold was released."]
    hold.refresh_from_db()
    assert not hold.is_active and hold.released_by == desk


def test_a_bad_hold_is_refused_with_a_message_naming_the_field(client, desk, shipment):
    before = _snapshot(shipment)
    response = section_post(client, desk, shipment, "holds", {"reason": "other", "note": ""})
    assert messages_of(response) == ["Note: say why the shipment is held (the reason is 'Other')."]
    response = section_post(client, desk, shipment, "holds", {"reason": "ship_later", "until": "not a date"})
    assert messages_of(response)[0].startswith("Until: ")
    response = section_post(client, desk, shipment, "holds", {"release": "x"})
    assert messages_of(response) == ["Choose a hold to release."]
    assert _snapshot(shipment) == before


def test_the_warehouse_releases_the_desk_asks_a_recall_and_the_warehouse_accepts(client, desk, warehouse, shipment):
    # the desk may not release to the warehouse
    html = page(client, desk, shipment)
    assert "Release to warehouse" not in html
    client.force_login(desk)
    url = reverse("admin:fulfillment_shipment_section", args=(shipment.pk, "handoff"))
    assert client.post(url, {"release": "1"}).status_code == 403
    # the warehouse does
    assert "Release to warehouse" in page(client, warehouse, shipment)
    response = section_post(client, warehouse, shipment, "handoff", {"release": "1"})
    assert messages_of(response) == ["Released to the warehouse."]
    # the desk asks for the shipment back, the warehouse accepts
    assert "Request recall" in page(client, desk, shipment)
    response = section_post(client, desk, shipment, "handoff", {"recall": "1", "note": "Customer adds a line"})
    assert messages_of(response) == ["The warehouse is asked to recall it."]
    html = page(client, warehouse, shipment)
    assert "Accept recall" in html and "Reject recall" in html
    response = section_post(client, warehouse, shipment, "handoff", {"accept": "1", "note": ""})
    assert messages_of(response) == ["Recall accepted."]
    shipment.refresh_from_db()
    assert shipment.handoff_status == Shipment.Handoff.NOT_RELEASED


def test_a_held_shipment_is_not_released_and_the_page_says_why(client, anna, warehouse, shipment):
    section_post(client, anna, shipment, "holds", {"reason": "address_check"})
    before = _snapshot(shipment)
    response = section_post(client, warehouse, shipment, "handoff", {"release": "1"})
    (message,) = messages_of(response)
    assert message.startswith(f"Shipment {shipment.number} cannot go to the warehouse. On hold: address check (Anna, ")
    assert _snapshot(shipment) == before
