"""The shipment admin: the section registry, the shipment page, its actions by role, the list's tabs and search."""

import pytest
from django.urls import reverse

from fulfillment import admin_sections
from fulfillment.admin_sections import ShipmentSection, register_section
from fulfillment.models import Shipment, ShipmentHold
from fulfillment.services.shipments import shipment_ship, shipments_create
from tests import factories

pytestmark = pytest.mark.django_db
LIST_URL = reverse("admin:fulfillment_shipment_changelist")


@pytest.fixture
def shipment(place_order, product, location):
    factories.stock(product, location, 10)
    order = place_order([(product, 2)])
    return shipments_create(order_id=order.pk)[0]


def _page(shipment):
    return reverse("admin:fulfillment_shipment_change", args=(shipment.pk,))


@pytest.fixture
def test_section():
    """A section registered for one test, as another feature would from its ready()."""
    posted = []

    def post(request, shipment):
        posted.append((shipment.pk, request.POST.get("note")))

    section = register_section(
        ShipmentSection(
            "test-notes",
            "Test notes",
            position=5,
            template="admin/fulfillment/shipment/section_test.html",
            context=lambda request, shipment: {"greeting": f"Hello {shipment.number}"},
            permission="fulfillment.ship_shipment",
            post=post,
        )
    )
    yield section, posted
    admin_sections.SECTIONS.pop(section.slug)


def test_a_slug_registers_once(test_section):
    section, _ = test_section
    with pytest.raises(ValueError, match="already registered"):
        register_section(section)


def test_a_section_renders_on_the_page_for_users_with_its_permission(
    client, warehouse, desk, shipment, test_section, settings, tmp_path
):
    (tmp_path / "admin/fulfillment/shipment").mkdir(parents=True)
    (tmp_path / "admin/fulfillment/shipment/section_test.html").write_text(
        '<p id="greeting">{{ greeting }}</p><form action="{{ section_url }}"></form>'
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    client.force_login(warehouse)
    page = client.get(_page(shipment)).content.decode()
    assert f'<p id="greeting">Hello {shipment.number}</p>' in page
    assert reverse("admin:fulfillment_shipment_section", args=(shipment.pk, "test-notes")) in page
    client.force_login(desk)  # order desk: no ship permission, so no section
    assert "greeting" not in client.get(_page(shipment)).content.decode()


def test_a_section_receives_its_posts_after_the_permission_check(client, warehouse, desk, shipment, test_section):
    _, posted = test_section
    url = reverse("admin:fulfillment_shipment_section", args=(shipment.pk, "test-notes"))
    client.force_login(desk)
    assert client.post(url, {"note": "x"}).status_code == 403
    client.force_login(warehouse)
    response = client.post(url, {"note": "fragile"})
    assert response.status_code == 302 and response["Location"] == _page(shipment)
    assert posted == [(shipment.pk, "fragile")]
    assert client.get(url).status_code == 403  # a section takes posts only
    assert client.post(url.replace("test-notes", "nope")).status_code == 404


def test_the_page_shows_lines_location_and_the_ship_button_to_the_warehouse_only(client, warehouse, desk, shipment):
    client.force_login(warehouse)
    response = client.get(_page(shipment))
    page = response.content.decode()
    assert response.status_code == 200
    assert f"Shipment {shipment.number}" in page and "Main warehouse" in page and "MUG-1" in page
    assert 'data-action="ship"' in page
    client.force_login(desk)
    page = client.get(_page(shipment)).content.decode()
    assert f"Shipment {shipment.number}" in page and 'data-action="ship"' not in page
    ship_url = reverse("admin:fulfillment_shipment_action", args=(shipment.pk, "ship"))
    assert client.post(ship_url, {"packages": 1}).status_code == 403
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.PENDING


def test_shipping_from_the_page_records_the_tracking(client, warehouse, shipment):
    client.force_login(warehouse)
    url = reverse("admin:fulfillment_shipment_action", args=(shipment.pk, "ship"))
    assert client.get(url).status_code == 200
    bad = client.post(url, {"carrier": "DHL", "tracking_url": "javascript:alert(1)", "packages": 1, "_ship": 1})
    assert bad.status_code == 200 and "Tracking URL" in bad.content.decode()
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.PENDING
    data = {"carrier": "DHL", "tracking_code": "JD1", "tracking_url": "https://t.example/JD1", "packages": 2}
    response = client.post(url, {**data, "_ship": 1})
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert (shipment.status, shipment.tracking_code, shipment.packages) == (Shipment.Status.SHIPPED, "JD1", 2)
    page = client.get(_page(shipment)).content.decode()
    assert 'href="https://t.example/JD1"' in page and 'data-action="ship"' not in page


@pytest.mark.parametrize("object_id", ["999999", "abc"])
def test_an_unknown_shipment_is_a_404(client, warehouse, object_id):
    client.force_login(warehouse)
    assert client.get(f"/admin/fulfillment/shipment/{object_id}/change/").status_code == 404


def test_tabs_count_and_filter_by_status(client, warehouse, place_order, product, location):
    factories.stock(product, location, 20)
    pending, held, shipped = (shipments_create(order_id=place_order([(product, 1)]).pk)[0] for _ in range(3))
    ShipmentHold.objects.create(shipment=held, reason=ShipmentHold.Reason.ADDRESS_CHECK)
    shipment_ship(shipment_id=shipped.pk)
    client.force_login(warehouse)
    response = client.get(LIST_URL)
    counts = {tab["slug"]: int(tab["count"]) for tab in response.context["shipment_list_tabs"]}
    assert counts == {"not_shipped": 2, "on_hold": 1, "shipped": 1, "delivered": 0, "canceled": 0, "all": 3}
    assert {s.pk for s in response.context["cl"].result_list} == {pending.pk, held.pk}
    on_hold = client.get(LIST_URL, {"tab": "on_hold"}).context["cl"].result_list
    assert [s.pk for s in on_hold] == [held.pk]
    assert client.get(LIST_URL, {"tab": "nope"}).status_code == 404


def test_search_by_shipment_number_and_by_order_number(client, warehouse, place_order, product, location):
    factories.stock(product, location, 20)
    first = shipments_create(order_id=place_order([(product, 1)]).pk)[0]
    second = shipments_create(order_id=place_order([(product, 1)]).pk)[0]
    client.force_login(warehouse)

    def found(term):
        return {s.pk for s in client.get(LIST_URL, {"tab": "all", "q": term}).context["cl"].result_list}

    assert found(first.number) == {first.pk}
    assert found(first.number.lower()) == {first.pk}
    assert found(f"#{second.order.number}") == {second.pk}
    assert found("no such thing") == set()


def test_the_list_reads_a_constant_number_of_queries(client, warehouse, place_order, product, location,
                                                     django_assert_num_queries):  # fmt: skip
    factories.stock(product, location, 100)
    shipments_create(order_id=place_order([(product, 1)]).pk)
    client.force_login(warehouse)
    client.get(LIST_URL)  # warms the session and content types
    with django_assert_num_queries(QUERIES_LIST) as first:
        client.get(LIST_URL)
    for _ in range(10):
        shipments_create(order_id=place_order([(product, 1)], customer=factories.AddressFactory().customer).pk)
    with django_assert_num_queries(QUERIES_LIST):
        response = client.get(LIST_URL)
    assert len(response.context["cl"].result_list) == 11
    assert first


QUERIES_LIST = 7


# --- the actions by role, and what each does
def _action(shipment, slug):
    return reverse("admin:fulfillment_shipment_action", args=(shipment.pk, slug))


def test_the_warehouse_sees_every_pending_action_and_the_order_desk_none(client, warehouse, desk, shipment):
    client.force_login(warehouse)
    page = client.get(_page(shipment)).content.decode()
    for action in ("ship", "ship-and-e-mail", "pre-announce", "packages", "cancel-shipment"):
        assert f'data-action="{action}"' in page, action
    assert 'data-action="mark-delivered"' not in page
    client.force_login(desk)
    page = client.get(_page(shipment)).content.decode()
    assert "data-action=" not in page
    for slug in ("ship", "pre_announce", "packages", "cancel", "deliver"):
        assert client.post(_action(shipment, slug), {"packages": 2, "reason": "x"}).status_code == 403, slug
    shipment.refresh_from_db()
    assert (shipment.status, shipment.packages, shipment.pre_announced_at) == (Shipment.Status.PENDING, 1, None)


def test_ship_and_email_from_the_page_queues_the_mail(client, warehouse, shipment):
    from notifications.models import Message

    client.force_login(warehouse)
    page = client.get(_action(shipment, "ship_email") + "?email=1").content.decode()
    assert page.index('name="_email"') < page.index('name="_ship"')  # the asked-for button comes first
    data = {"carrier": "DHL", "tracking_code": "JD2", "tracking_url": "https://t.example/JD2", "packages": 1}
    assert client.post(_action(shipment, "ship"), {**data, "_email": 1}).status_code == 302
    assert Message.objects.get(kind="shipment_sent").context["shipment"]["tracking_code"] == "JD2"


def test_packages_pre_announce_deliver_and_cancel_with_reason_from_the_page(client, warehouse, shipment):
    client.force_login(warehouse)
    assert client.post(_action(shipment, "packages"), {"packages": 100}).status_code == 200  # form error
    assert client.post(_action(shipment, "packages"), {"packages": 3}).status_code == 302
    assert client.post(_action(shipment, "pre_announce"), {"_go": 1}).status_code == 302
    shipment.refresh_from_db()
    assert shipment.packages == 3 and shipment.pre_announced_at
    assert 'data-action="pre-announce"' not in client.get(_page(shipment)).content.decode()
    client.post(_action(shipment, "ship"), {"packages": 3, "_ship": 1})
    response = client.post(_action(shipment, "cancel"), {"reason": ""}, follow=True)
    assert "Reason" in response.content.decode()  # refused: a shipped shipment needs a reason
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.SHIPPED
    client.post(_action(shipment, "cancel"), {"reason": "Returned to sender: address unknown"})
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.CANCELED
    page = client.get(_page(shipment)).content.decode()
    assert "Returned to sender: address unknown" in page and "data-action=" not in page


def test_deliver_from_the_page(client, warehouse, shipment):
    client.force_login(warehouse)
    client.post(_action(shipment, "ship"), {"packages": 1, "_ship": 1})
    assert 'data-action="mark-delivered"' in client.get(_page(shipment)).content.decode()
    client.post(_action(shipment, "deliver"), {"_go": 1})
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.DELIVERED


def test_an_action_that_does_not_fit_the_status_says_why(client, warehouse, shipment):
    client.force_login(warehouse)
    response = client.get(_action(shipment, "deliver"), follow=True)
    assert "is not shipped" in response.content.decode()
    assert client.get(_action(shipment, "nope")).status_code == 404


# --- the order's Shipments tab
def _tab(order):
    return reverse("admin:orders_order_page", args=(order.pk, "shipments"))


def test_the_order_tab_prepares_and_lists_the_shipments_with_tracking(client, warehouse, desk, place_order, product,
                                                                       location):  # fmt: skip
    factories.stock(product, location, 5)
    order = place_order([(product, 2)])
    client.force_login(desk)
    page = client.get(_tab(order)).content.decode()
    assert "No shipments yet" in page and "prepare-shipments" not in page
    assert client.post(_tab(order)).status_code == 403
    client.force_login(warehouse)
    assert 'id="prepare-shipments"' in client.get(_tab(order)).content.decode()
    response = client.post(_tab(order), follow=True)
    shipment = Shipment.objects.get(order=order)
    assert f"Prepared {shipment.number}" in response.content.decode()
    shipment_ship(shipment_id=shipment.pk, carrier="DHL", tracking_code="JD9", tracking_url="https://t.example/JD9")
    page = client.get(_tab(order)).content.decode()
    assert shipment.number in page and 'href="https://t.example/JD9"' in page and "Shipped" in page
    assert "prepare-shipments" not in page  # every unit is in a shipment


def test_the_order_tab_and_the_shipment_page_read_a_constant_number_of_queries(
    client, warehouse, place_order, product, location, django_assert_num_queries
):
    factories.stock(product, location, 50)
    order = place_order([(product, 1)])
    first = shipments_create(order_id=order.pk)[0]
    client.force_login(warehouse)
    client.get(_tab(order))
    with django_assert_num_queries(QUERIES_TAB):
        client.get(_tab(order))
    with django_assert_num_queries(QUERIES_PAGE):
        client.get(_page(first))
    others = [factories.ProductFactory(sku=f"P{i}", tax_rate=product.tax_rate) for i in range(4)]
    for other in others:
        factories.stock(other, location, 5)
    bigger = place_order([(product, 1), *((other, 1) for other in others)])
    shipments = shipments_create(order_id=bigger.pk)
    with django_assert_num_queries(QUERIES_TAB):
        client.get(_tab(bigger))
    with django_assert_num_queries(QUERIES_PAGE):
        client.get(_page(shipments[0]))


# session, user, permissions, the order (+ its header's data), its shipments with their lines and holds
QUERIES_TAB = 10  # (+ what is left to prepare: reservations, lines without stock, pending units)
# session, user, permissions, the shipment with order, customer, location and holds, its lines (sections add theirs)
QUERIES_PAGE = 13  # + the Holds and Warehouse hand-off sections (fulfillment.admin_holds), + pick's section


def test_the_order_tab_shows_each_shipments_warehouse_state_in_a_constant_number_of_queries(
    client, warehouse, place_order, product, location, second_location, tax_rate, allocation_by_priority,
    django_assert_num_queries,
):  # fmt: skip
    from django.utils import timezone

    from fulfillment.models import WarehouseConnection, WarehouseEvent
    from fulfillment.services.handoff import shipment_release
    from fulfillment.services.warehouse_events import warehouse_event_receive

    other = factories.ProductFactory(sku="OTHER", tax_rate=tax_rate)
    factories.stock(product, location, 2)
    factories.stock(other, second_location, 4)
    order = place_order([(product, 1), (other, 1)])
    first, second = shipments_create(order_id=order.pk)
    client.force_login(warehouse)
    page = client.get(_tab(order)).content.decode()
    assert "warehouse-state" not in page  # neither released nor reported on: no Warehouse fact
    wms = WarehouseConnection.objects.create(name="WMS")
    for shipment in (first, second):
        shipment_release(shipment_id=shipment.pk, actor=warehouse)
    for event_id, kind, text in [("e1", "status", "Picking"), ("e2", "status", "Packed"), ("e3", "tracking", "")]:
        event = {"event_id": event_id, "type": kind, "status_text": text, "carrier": "DHL" if not text else ""}
        warehouse_event_receive(connection=wms, shipment=first, event=event)
    last = WarehouseEvent.objects.get(event_id="e3")
    stamp = timezone.localtime(last.received_at).strftime("%-d %b %Y, %H:%M")
    # when
    with django_assert_num_queries(QUERIES_TAB):
        page = client.get(_tab(order)).content.decode()
    # then: the first reported Packed, then tracking; the second is released and silent
    cards = {s.number: page.split(f'id="shipment-{s.number}"')[1].split("</section>")[0] for s in (first, second)}
    assert "Released to warehouse" in cards[first.number] and ">Packed</strong>" in cards[first.number]
    assert f"last event: tracking, {stamp}" in cards[first.number]
    assert "Released to warehouse" in cards[second.number] and "last event" not in cards[second.number]
    assert cards[first.number].count("Released to warehouse") == 1  # no second hand-off badge in the header
