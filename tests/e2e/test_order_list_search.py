"""The order list in Chromium: search by company and by "#number", and page through by key."""

import os

import pytest
from django.contrib.auth.models import Group

from orders.bulkload import generate
from orders.models import Order
from tests import factories


@pytest.fixture
def clerk(db):
    user = factories.StaffFactory(email="clerk@example.com", first_name="Cora", last_name="Clerk")
    user.groups.add(Group.objects.get(name="Order desk"))
    return user


def _search(page, term: str) -> list[str]:
    page.fill("#searchbar", term)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    return _numbers(page)


def _numbers(page) -> list[str]:
    return page.locator("#result_list tbody th a, #result_list tbody td.field-number a").all_inner_texts()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_clerk_finds_orders_by_company_and_by_hash_number_and_pages_on(
    live_server, page, admin_login, clerk, tmp_path
):
    shots = os.environ.get("OMS_SCREENSHOT_DIR") or tmp_path
    # given: 120 orders, among them a split family of a company's customer
    generate(orders=120, seed=21)
    root = Order.objects.filter(parent__isnull=True, family__isnull=False).order_by("pk").first()
    root.customer.company = "Zeeman Tegels BV"
    root.customer.save()
    family = sorted(Order.objects.filter(customer=root.customer).values_list("number", flat=True))
    admin_login(clerk)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/admin/orders/order/")
    page.screenshot(path=f"{shots}/order_list.png", full_page=True)

    # when / then: by company, in another case
    assert sorted(_search(page, "zeeman tegels")) == family
    page.screenshot(path=f"{shots}/order_list_search_company.png", full_page=True)

    # and by number with "#": the order and the order split off it
    assert sorted(_search(page, f"#{root.number}")) == sorted([root.number, f"{root.number}-1"])
    assert sorted(_search(page, f"#{root.number}-1")) == [f"{root.number}-1"]

    # and the list pages on by key, with a capped count shown
    page.goto(f"{live_server.url}/admin/orders/order/")
    first = _search(page, "")
    page.locator(".keyset-paginator a", has_text="Next").click()
    page.wait_for_url("**cursor=**")
    second = _numbers(page)
    assert len(first) == 50 and len(second) == 50 and not set(first) & set(second)
    page.screenshot(path=f"{shots}/order_list_page_2.png", full_page=True)
    assert page.locator(".keyset-count").inner_text().endswith("orders")
