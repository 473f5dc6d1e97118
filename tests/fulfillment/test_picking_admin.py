"""Picking in the admin: the work queue and its bulk actions, the pick list page, the order's Pick lists tab."""

import pytest
from django.urls import reverse

from fulfillment.models import PickList, PickListLine, Shipment
from fulfillment.services.picking import pick_line_pick, pick_list_create
from orders.services.cancel import order_cancel

pytestmark = pytest.mark.django_db


def _queue(location, tab="pick"):
    return reverse("admin:fulfillment_work_queue_location", args=[location.pk]) + f"?tab={tab}"


def test_the_warehouse_lands_on_its_work_queue(client, warehouse, desk, location):
    client.force_login(warehouse)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"] == reverse("admin:fulfillment_work_queue")
    assert client.get(response["Location"])["Location"] == reverse(
        "admin:fulfillment_work_queue_location", args=[location.pk]
    )
    client.force_login(desk)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:fulfillment_work_queue")).status_code == 403


def test_the_queue_lists_shipments_oldest_promise_first_in_constant_queries(
    client, warehouse, location, pending_order, django_assert_num_queries
):
    orders = [pending_order(1, 0, 0), pending_order(0, 2, 0), pending_order(1, 1, 1)]
    dates = ["2026-12-03", None, "2026-12-01"]
    for order, date in zip(orders, dates, strict=True):
        Shipment.objects.filter(order=order).update(promised_date=date)
    client.force_login(warehouse)
    client.get(_queue(location))  # warm the session and permission caches
    # session, user, permissions, locations, rows, lines, open pick lines, tab counts, sidebar groups
    with django_assert_num_queries(9):
        page = client.get(_queue(location)).content.decode()
    positions = [page.index(f'data-shipment="{order.number}-S1"') for order in (orders[2], orders[0], orders[1])]
    assert positions == sorted(positions)
    for _ in range(3):
        pending_order(2, 2, 2)
    with django_assert_num_queries(9):
        client.get(_queue(location))


def test_print_pick_lists_makes_one_wave_and_downloads_one_pdf(client, warehouse, location, pending_order):
    orders = [pending_order(1, 0, 0), pending_order(0, 2, 0)]
    ids = [str(Shipment.objects.get(order=o).pk) for o in orders]
    client.force_login(warehouse)
    response = client.post(_queue(location), {"action": "print", "shipment": ids})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    pick_list = PickList.objects.get()
    assert pick_list.lines.count() == 2 and pick_list.created_by == warehouse
    # printing again makes no new list: it prints the open one again
    again = client.post(_queue(location), {"action": "print", "shipment": ids})
    assert again["Content-Type"] == "application/pdf" and PickList.objects.count() == 1


def test_ship_selected_ships_the_picked_and_names_each_refusal(client, warehouse, location, pending_order):
    good, bad = pending_order(1, 0, 0), pending_order(0, 1, 0)
    wave = pick_list_create(location_id=location.pk, order_ids=[good.pk, bad.pk])
    for line in wave.pick_list.lines.all():
        pick_line_pick(line_id=line.pk)
    good_shipment, bad_shipment = (Shipment.objects.get(order=o) for o in (good, bad))
    client.force_login(warehouse)
    response = client.post(
        _queue(location, "ship"),
        {
            "action": "ship",
            "shipment": [good_shipment.pk, bad_shipment.pk],
            "carrier": "PostNL",
            f"tracking_code_{good_shipment.pk}": "3SABC1",
            f"tracking_url_{good_shipment.pk}": "https://track.example/3SABC1",
            f"tracking_url_{bad_shipment.pk}": "javascript:alert(1)",
        },
        follow=True,
    )
    page = response.content.decode()
    good_shipment.refresh_from_db()
    bad_shipment.refresh_from_db()
    assert good_shipment.status == Shipment.Status.SHIPPED and good_shipment.tracking_code == "3SABC1"
    assert bad_shipment.status == Shipment.Status.PENDING
    assert f"Shipped {good_shipment.number}" in page
    assert f"Not shipped: {bad_shipment.number}: Tracking URL" in page


def test_the_order_desk_cannot_ship_or_tick(client, desk, location, pending_order):
    order = pending_order(1, 0, 0)
    wave = pick_list_create(location_id=location.pk, order_ids=[order.pk])
    line = wave.pick_list.lines.get()
    client.force_login(desk)
    url = reverse("admin:fulfillment_picklist_line", args=[wave.pick_list.pk, line.pk])
    assert client.post(url, {"action": "pick"}).status_code == 403
    assert client.post(_queue(location, "ship"), {"action": "ship", "shipment": [line.shipment_id]}).status_code == 403
    assert PickListLine.objects.get().status == PickListLine.Status.OPEN


def test_the_pick_list_page_ticks_and_reports_refusals(client, warehouse, location, pending_order):
    order = pending_order(3, 0, 0)
    wave = pick_list_create(location_id=location.pk, order_ids=[order.pk])
    line = wave.pick_list.lines.get()
    client.force_login(warehouse)
    page_url = reverse("admin:fulfillment_picklist_change", args=[wave.pick_list.pk])
    assert "Picked</button>" in client.get(page_url).content.decode()
    url = reverse("admin:fulfillment_picklist_line", args=[wave.pick_list.pk, line.pk])
    refused = client.post(url, {"action": "short", "found": "7"}, follow=True).content.decode()
    assert "Quantity found: enter a whole number from 0 to 2" in refused
    done = client.post(url, {"action": "short", "found": "2"}, follow=True).content.decode()
    assert "2 of 3 found" in done and "Short: 2 found" in done
    assert PickList.objects.get().status == PickList.Status.DONE
    assert client.get(reverse("admin:fulfillment_picklist_pdf", args=[wave.pick_list.pk]))["Content-Type"] == (
        "application/pdf"
    )
    assert client.get(reverse("admin:fulfillment_picklist_changelist") + "?status__exact=done").status_code == 200


def test_the_order_tab_makes_pick_lists_and_shows_them(client, warehouse, pending_order):
    order = pending_order(1, 2, 0)
    client.force_login(warehouse)
    url = reverse("admin:orders_order_page", args=[order.pk, "pick-lists"])
    assert "No pick lists yet" in client.get(url).content.decode()
    page = client.post(url, follow=True).content.decode()
    number = PickList.objects.get().number
    assert f"Pick list {number}" in page and "CUP" in page
    order_cancel(order_id=order.pk, actor=None, reason="customer")
    page = client.get(url).content.decode()
    assert "Make pick lists" not in page


def test_a_packing_slip_downloads_from_the_admin(client, warehouse, pending_order):
    shipment = Shipment.objects.get(order=pending_order(1, 0, 0))
    client.force_login(warehouse)
    response = client.get(reverse("admin:fulfillment_packing_slip", args=[shipment.pk]))
    assert response["Content-Type"] == "application/pdf" and shipment.number in response["Content-Disposition"]
    assert client.get(reverse("admin:fulfillment_packing_slip", args=[10**9])).status_code == 404


def test_the_shipment_page_shows_its_pick_lines_and_the_packing_slip(client, warehouse, location, pending_order):
    order = pending_order(2, 0, 0)
    wave = pick_list_create(location_id=location.pk, order_ids=[order.pk])
    shipment = Shipment.objects.get(order=order)
    client.force_login(warehouse)
    page = client.get(reverse("admin:fulfillment_shipment_change", args=[shipment.pk])).content.decode()
    assert "Picking and packing slip" in page and wave.pick_list.number in page
    assert reverse("admin:fulfillment_packing_slip", args=[shipment.pk]) in page
