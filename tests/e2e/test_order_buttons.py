"""The order page's buttons in Chromium: shown only while the action is allowed; a refusal reads the same."""

from pathlib import Path

import pytest

from orders import hooks
from orders.services.shipping import order_lines_ship
from tests.factories import stock

SHOTS = Path("/tmp/core_shots")


def buttons(page) -> list[str]:
    return [text.strip() for text in page.locator(".order-actions a, .order-actions button").all_text_contents()]


@pytest.fixture
def on_hold():
    hooks.register_guard("split", "test.on_hold", lambda order, op, change: f"Order {order.number} is on hold.")
    yield
    hooks.unregister("split", "test.on_hold")


@pytest.mark.django_db(transaction=True)
def test_buttons_follow_what_the_order_allows_and_a_refused_page_says_why(
    live_server, admin_login, superuser, place_order, product, location, shop, on_hold
):
    # given: a placed order that another app holds from being split
    SHOTS.mkdir(exist_ok=True)
    stock(product, location, 10)
    order = place_order([(product, 2)])
    page = admin_login(superuser)
    url = f"{live_server.url}/admin/orders/order/{order.pk}/change/"

    # when: staff open it
    page.goto(url)
    page.screenshot(path=str(SHOTS / "placed_buttons.png"), full_page=True)

    # then: every action it allows has a button; the held split has none
    shown = buttons(page)
    assert {"Record payment", "Cancel order", "Edit order"} <= set(shown) and "Split order" not in shown

    # when: the whole order ships, and staff come back to it
    order_lines_ship(order_id=order.pk, quantities={order.lines.get().pk: 2})
    page.goto(url)
    shown = buttons(page)

    # then: no cancel or edit any more; the cancel page, opened from an old tab, says why
    assert "Cancel order" not in shown and "Edit order" not in shown
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/cancel/")
    page.wait_for_url(url)
    message = page.locator(".messagelist").inner_text()
    page.screenshot(path=str(SHOTS / "refused_cancel.png"), full_page=True)
    assert f"Order {order.number} has shipped units; cancel its open lines instead of the whole order." in message
