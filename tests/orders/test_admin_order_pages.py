"""The order's tabs: each served through the page registry, permission-checked, with a constant query count."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import StockLevel
from orders import admin_pages
from orders.models import OrderEvent, OrderMemo
from orders.services.memo import order_memo_add
from tests import factories

TAB_ORDER = [
    "articles",
    "allocations",
    "pick-lists",
    "shipments",
    "payments",
    "invoices",
    "return-requests",
    "returns",
    "refunds",
    "memo",
    "history",
]


@pytest.fixture
def viewer(db):
    """Staff who may look at orders, memos and events but not act on them."""
    user = factories.StaffFactory(email="viewer@example.com")
    codenames = ["view_order", "view_orderline", "view_ordermemo", "view_orderevent", "view_allocation"]
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="orders", codename__in=codenames))
    return user


@pytest.fixture
def placed(place_order, product, location):
    factories.stock(product, location, 10)
    return place_order([(product, 3)])


def page(order, slug):
    return reverse("admin:orders_order_page", args=(order.pk, slug))


def test_tabs_come_in_the_order_of_the_order_desk():
    # when
    slugs = [tab.slug for tab in admin_pages.tabs()]
    # then: other apps' tabs (e-mails at 100, ...) fall in between; ours keep their order, History last
    assert [slug for slug in slugs if slug in TAB_ORDER] == TAB_ORDER
    assert slugs[-1] == "history"


@pytest.mark.parametrize("slug", TAB_ORDER)
def test_every_tab_opens_with_the_tab_bar(client, desk, placed, slug):
    # given
    client.force_login(desk)
    # when
    response = client.get(page(placed, slug))
    # then
    assert response.status_code == 200
    assert response.context["active_tab"] == slug
    assert f'href="{page(placed, "history")}"' in response.content.decode()


def test_the_general_tab_is_the_change_page_with_the_tab_bar(client, desk, placed):
    # given
    client.force_login(desk)
    # when
    response = client.get(reverse("admin:orders_order_change", args=(placed.pk,)))
    # then
    assert response.context["active_tab"] == "general"
    assert f'href="{page(placed, "articles")}"' in response.content.decode()


def test_placeholder_tabs_say_there_is_nothing_yet(client, desk, placed):
    # given
    client.force_login(desk)
    # when
    response = client.get(page(placed, "shipments"))
    # then
    assert "No shipments yet." in response.content.decode()


def test_a_page_without_its_permission_is_forbidden(client, placed):
    # given: staff without any order permission
    client.force_login(factories.StaffFactory(email="nobody@example.com"))
    # when
    response = client.get(page(placed, "articles"))
    # then
    assert response.status_code == 403


def test_articles_show_quantities_totals_and_the_balance(client, desk, placed):
    # given
    client.force_login(desk)
    # when
    content = client.get(page(placed, "articles")).content.decode()
    # then
    assert "MUG-1" in content and "37.50" in content and "Balance due" in content


def test_cancelling_units_of_a_line_releases_them(client, desk, placed, product):
    # given
    line = placed.lines.get()
    client.force_login(desk)
    # when
    response = client.post(page(placed, "articles"), {"line": line.pk, "quantity": 2, "reason": "out of stock"})
    # then
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.quantity_canceled == 2
    assert StockLevel.objects.get(product=product).allocated == 1
    event = placed.events.get(type=OrderEvent.Type.LINE_CANCELED)
    assert (event.actor, event.parameters["quantity"], event.parameters["reason"]) == (desk, 2, "out of stock")


def test_cancelling_more_units_than_open_is_reported_and_changes_nothing(client, desk, placed):
    # given
    line = placed.lines.get()
    client.force_login(desk)
    # when
    response = client.post(page(placed, "articles"), {"line": line.pk, "quantity": 9}, follow=True)
    # then
    assert any("choose between 1 and 3 units" in str(m) for m in response.context["messages"])
    line.refresh_from_db()
    assert line.quantity_canceled == 0


def test_cancelling_units_without_permission_is_forbidden(client, viewer, placed):
    # given
    line = placed.lines.get()
    client.force_login(viewer)
    # when
    response = client.post(page(placed, "articles"), {"line": line.pk, "quantity": 1})
    # then
    assert response.status_code == 403
    line.refresh_from_db()
    assert line.quantity_canceled == 0


def test_adding_a_memo_records_author_and_event(client, desk, placed):
    # given
    client.force_login(desk)
    # when
    response = client.post(page(placed, "memo"), {"text": "Customer wants delivery after 5pm"})
    # then
    assert response.status_code == 302
    memo = OrderMemo.objects.get(order=placed)
    assert (memo.author, memo.text) == (desk, "Customer wants delivery after 5pm")
    event = placed.events.get(type=OrderEvent.Type.MEMO_ADDED)
    assert (event.actor, event.parameters) == (desk, {"memo_id": memo.pk})
    assert "Customer wants delivery after 5pm" in client.get(page(placed, "memo")).content.decode()


def test_adding_a_memo_without_permission_is_forbidden(client, viewer, placed):
    # given
    client.force_login(viewer)
    # when
    response = client.post(page(placed, "memo"), {"text": "sneaky"})
    # then
    assert response.status_code == 403
    assert not OrderMemo.objects.exists()


def test_history_shows_events_readably_and_row_changes(client, desk, place_order, product, location):
    # given: a draft entered first, then placed, so the order's row history has the status change
    from orders.services.placement import order_place

    factories.stock(product, location, 10)
    draft = place_order([(product, 3)], place=False)
    placed = order_place(order_id=draft.pk)
    client.force_login(desk)
    # when
    content = client.get(page(placed, "history")).content.decode()
    # then
    assert "Placed" in content and "Stock reserved" in content
    assert "3 × MUG-1 at main" in content
    assert "status: draft → placed" in content


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("slug", [*TAB_ORDER, "general"])
def test_a_tab_takes_the_same_number_of_queries_for_a_small_and_a_large_order(
    client, desk, place_order, product, location, second_location, slug
):
    # given: a one-line order, and a five-line order with stock at two locations, memos and more events
    factories.stock(product, location, 3)
    factories.stock(product, second_location, 100)
    others = [factories.ProductFactory() for _ in range(4)]
    for other in others:
        factories.stock(other, second_location, 10)
    small = place_order([(product, 1)])
    large = place_order([(product, 5), *[(other, 2) for other in others]])
    for text in ("one", "two", "three"):
        order_memo_add(order_id=large.pk, text=text, actor=desk)

    def url(order):
        return reverse("admin:orders_order_change", args=(order.pk,)) if slug == "general" else page(order, slug)

    client.force_login(desk)
    _queries(client, url(small))  # warm the session and permission caches alike for both
    # when
    small_queries = _queries(client, url(small))
    large_queries = _queries(client, url(large))
    # then
    assert small_queries == large_queries


def test_a_fully_shipped_order_offers_no_cancel_edit_or_split_button(client, desk, placed):
    # given
    from orders.services.shipping import order_lines_ship

    line = placed.lines.get()
    order_lines_ship(order_id=placed.pk, quantities={line.pk: line.quantity_open})
    client.force_login(desk)
    # when
    html = client.get(reverse("admin:orders_order_change", args=(placed.pk,))).content.decode()
    # then: the actions it would refuse are not offered
    for slug in ("cancel", "edit", "split"):
        assert page(placed, slug) not in html


def test_a_placed_order_offers_cancel_edit_and_split(client, desk, placed):
    client.force_login(desk)
    html = client.get(reverse("admin:orders_order_change", args=(placed.pk,))).content.decode()
    for slug in ("cancel", "edit", "split"):
        assert page(placed, slug) in html


@pytest.mark.parametrize("path", ["change/history/", "999999/history/", "999999/memo/"])
def test_an_order_page_of_a_malformed_or_unknown_id_is_404(client, desk, path):
    client.force_login(desk)
    assert client.get(f"/admin/orders/order/{path}").status_code == 404
