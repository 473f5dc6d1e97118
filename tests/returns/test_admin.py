"""Returns in the admin: the order's tabs and Create return page, the lists, permissions."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import StockLevel
from invoicing.models import Invoice
from returns.models import Return, ReturnRequest
from returns.services.requests import return_request_create
from tests.conftest import staff_in
from tests.returns.conftest import lines_of

pytestmark = pytest.mark.django_db


def page(order, slug):
    return reverse("admin:orders_order_page", args=(order.pk, slug))


def form_data(order, location, reason, units: dict, **extra) -> dict:
    data = {"action": "create", "create_credit": "on", "notify": "on", "correction": "0"}
    for line in order.lines.all():
        data.update({f"qty_{line.pk}": units.get(line.sku, 0), f"reason_{line.pk}": reason.pk,
                     f"disposition_{line.pk}": "restock", f"location_{line.pk}": location.pk})  # fmt: skip
    return {**data, **extra}


def test_desk_processes_a_request_into_a_return_with_a_credit(client, desk, paid, location, reason):
    # given a customer's request
    mug = lines_of(paid)["MUG-1"]
    req = return_request_create(order_id=paid.pk, customer=paid.customer, quantities={mug.pk: 2}, reason_id=reason.pk)
    client.force_login(desk)
    html = client.get(page(paid, "return-requests")).content.decode()
    assert req.number in html and "Process into a return" in html
    html = client.get(page(paid, "create-return") + f"?request={req.pk}").content.decode()
    assert f'name="qty_{mug.pk}" value="2"' in html and "Suggested refund" in html
    # when the live suggestion is asked (htmx) and then the return is created
    htmx = client.post(page(paid, "create-return"), form_data(paid, location, reason, {"MUG-1": 1}, action=""),
                       HTTP_HX_REQUEST="true")  # fmt: skip
    assert "EUR 12.50" in htmx.content.decode() and "<html" not in htmx.content.decode()
    before = StockLevel.objects.get(product=mug.product, location=location).on_hand
    response = client.post(page(paid, "create-return"),
                           form_data(paid, location, reason, {"MUG-1": 1}, request=req.pk))  # fmt: skip
    # then
    assert response.status_code == 302
    ret = Return.objects.get(order=paid)
    req.refresh_from_db()
    assert req.status == ReturnRequest.Status.COMPLETED and ret.request_id == req.pk
    assert ret.credit_invoice.total_gross == Decimal("12.50")
    assert StockLevel.objects.get(product=mug.product, location=location).on_hand == before + 1
    html = client.get(page(paid, "returns")).content.decode()
    assert ret.number in html and ret.credit_invoice.number in html


def test_a_refused_return_shows_the_sentence_and_changes_nothing(client, desk, paid, location, reason):
    client.force_login(desk)
    response = client.post(page(paid, "create-return"), form_data(paid, location, reason, {"MUG-1": 9}))
    assert response.status_code == 200 and "more than the 3 shipped" in response.content.decode()
    assert not Return.objects.exists() and Invoice.objects.filter(kind="credit").count() == 0


def test_quarantine_release_from_the_returns_tab(client, desk, paid, location, reason, stocked):
    mug_product = stocked[0]
    client.force_login(desk)
    data = form_data(paid, location, reason, {"MUG-1": 2}, create_credit="")
    data[f"disposition_{lines_of(paid)['MUG-1'].pk}"] = "quarantine"
    client.post(page(paid, "create-return"), data)
    line = Return.objects.get().lines.get()
    assert StockLevel.objects.get(product=mug_product, location=location).quarantined == 2
    client.post(page(paid, "returns"), {"action": "release", "target": line.pk, "quantity": "1"})
    client.post(page(paid, "returns"), {"action": "write_off", "target": line.pk, "quantity": "1"})
    level = StockLevel.objects.get(product=mug_product, location=location)
    assert level.quarantined == 0
    line.refresh_from_db()
    assert (line.quarantine_released, line.quarantine_written_off) == (1, 1)


def test_lists_search_by_number_and_order_number(client, desk, paid, location, reason):
    mug = lines_of(paid)["MUG-1"]
    req = return_request_create(order_id=paid.pk, customer=paid.customer, quantities={mug.pk: 1}, reason_id=reason.pk)
    client.force_login(desk)
    url = reverse("admin:returns_returnrequest_changelist")
    assert req.number in client.get(url).content.decode()
    assert req.number in client.get(url, {"q": paid.number}).content.decode()
    assert req.number not in client.get(url, {"q": "99999"}).content.decode()
    assert req.number not in client.get(url, {"state": "completed"}).content.decode()
    client.post(page(paid, "create-return"), form_data(paid, location, reason, {"MUG-1": 1}))
    ret = Return.objects.get()
    html = client.get(reverse("admin:returns_return_changelist"), {"q": ret.number}).content.decode()
    assert ret.number in html


def test_roles_without_the_returns_perm_cannot_process(client, paid, location, reason, warehouse, finance):
    for user in (warehouse, finance):
        client.force_login(user)
        assert client.get(page(paid, "returns")).status_code == 200  # they see returns
        assert "Create return" not in client.get(page(paid, "returns")).content.decode()
        assert client.get(page(paid, "create-return")).status_code == 403
        response = client.post(page(paid, "create-return"), form_data(paid, location, reason, {"MUG-1": 1}))
        assert response.status_code == 403
    assert not Return.objects.exists()


def test_manager_may_process_and_manage_reasons(client, paid, location, reason):
    manager = staff_in("Manager", "boss@example.com")
    client.force_login(manager)
    assert client.get(page(paid, "create-return")).status_code == 200
    assert client.get(reverse("admin:returns_returnreason_add")).status_code == 200
    assert manager.has_perm("returns.process_return")


def test_unshipped_order_refuses_with_the_guard_sentence(client, desk, place_order, stocked):
    order = place_order([(stocked[0], 1)])
    client.force_login(desk)
    html = client.get(page(order, "returns")).content.decode()
    assert "no shipped units yet" in html and 'id="create-return"' not in html


def test_crafted_targets_are_refused_with_a_message(client, desk, paid):
    client.force_login(desk)
    url = page(paid, "returns")
    for action in ("process", "cancel", "release", "write_off", "burn"):
        for target in ("abc", "99999999999999999999", ""):
            response = client.post(url, {"action": action, "target": target, "quantity": "1"}, follow=True)
            assert response.status_code == 200
    assert not Return.objects.exists()
