"""A warehouse user moves reserved units to another location in Chromium and sees where they are now."""

from pathlib import Path

import pytest

from orders.models import Allocation
from tests.factories import stock

SHOTS = Path("/tmp/alloc_shots")


@pytest.mark.django_db(transaction=True)
def test_a_warehouse_user_moves_two_units_and_sees_the_allocation_and_the_timeline(
    live_server, admin_login, warehouse, place_order, product, location, second_location, shop
):
    # given: 5 mugs reserved at the main warehouse (bin A-01-3); the store has 4 to spare
    SHOTS.mkdir(exist_ok=True)
    main = stock(product, location, 10)
    main.bin_location = "A-01-3"
    main.save(update_fields=["bin_location"])
    stock(product, second_location, 4)
    order = place_order([(product, 5)])
    page = admin_login(warehouse)
    url = f"{live_server.url}/admin/orders/order/{order.pk}/allocations/"
    page.goto(url)
    page.screenshot(path=str(SHOTS / "allocations_before.png"), full_page=True)
    assert "A-01-3" in page.locator(".order-allocations").inner_text()

    # when: more than the store has is asked for first, then 2
    form = page.locator("form.allocation-move")
    form.locator("select[name=to_location]").select_option(label="City store (4 free)")
    form.locator("input[name=quantity]").fill("5")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    error = page.locator(".messagelist").inner_text()
    page.screenshot(path=str(SHOTS / "allocations_refused.png"), full_page=True)
    assert "To location: City store has 4 sellable MUG-1 (Mug), 5 needed." in error
    form = page.locator("form.allocation-move")
    form.locator("select[name=to_location]").select_option(label="City store (4 free)")
    form.locator("input[name=quantity]").fill("2")
    form.locator("button[type=submit]").click()
    page.wait_for_url(url)

    # then: the page says so and shows both allocations
    assert "Moved 2 × Mug to City store." in page.locator(".messagelist").inner_text()
    rows = [text.split("\t") for text in page.locator("tr.allocation-row").all_inner_texts()]
    page.screenshot(path=str(SHOTS / "allocations_after.png"), full_page=True)
    flat = " ".join(" ".join(row) for row in rows)
    assert "Main warehouse" in flat and "City store" in flat and "3 × Reserved" in flat and "2 × Reserved" in flat
    assert dict(Allocation.objects.filter(line__order=order).values_list("location__code", "quantity")) == {
        "main": 3,
        "store": 2,
    }

    # and the order's timeline says it in a sentence
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/change/")
    page.screenshot(path=str(SHOTS / "timeline.png"), full_page=True)
    assert "moved 2 × Mug from Main warehouse to City store" in page.content()
