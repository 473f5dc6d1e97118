"""The order's General tab: header badges, cards, lines, totals by tax rate and the timeline in sentences."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.admin_pages.header import duration_words, order_badges
from orders.models import SplitReason
from orders.services.cancel import order_line_cancel
from orders.services.edit import EditChanges, order_edit_commit
from orders.services.memo import order_memo_add
from orders.services.payments import order_payment_record
from orders.services.split import order_split
from tests import factories


@pytest.fixture
def order(place_order, product, location, customer):
    customer.company, customer.phone = "Smit Servies BV", "+31 30 123 4567"
    customer.save()
    factories.stock(product, location, 20)
    return place_order([(product, 3)], memo="Please ring twice")


def general(client, user, order) -> str:
    client.force_login(user)
    response = client.get(reverse("admin:orders_order_change", args=(order.pk,)))
    assert response.status_code == 200
    return response.content.decode()


def test_the_header_shows_number_channel_version_and_status_badges(client, desk, order):
    # when
    html = general(client, desk, order)
    # then
    assert f"Order {order.number}</h2>" in html
    assert order.channel.name in html
    assert 'data-badge="status">Placed<' in html
    assert 'data-badge="payment">Unpaid<' in html
    assert 'data-badge="fulfillment">Unfulfilled<' in html


@pytest.mark.parametrize(
    "delta, words",
    [(timedelta(minutes=30), "30 min"), (timedelta(hours=3, minutes=5), "3 h"), (timedelta(days=3), "3 days")],
)
def test_the_reservation_deadline_reads_in_words(delta, words):
    assert duration_words(delta) == words


def test_an_unpaid_order_shows_when_its_reservation_expires(order):
    # given
    now = timezone.now()
    order.reservation_expires_at = now + timedelta(hours=3, minutes=10)
    # when
    badges = {badge["key"]: badge["label"] for badge in order_badges(order, now=now)}
    # then
    assert badges["reservation"] == "Reservation expires in 3 h"


def test_a_paid_order_shows_no_reservation_deadline(order, staff):
    order_payment_record(order_id=order.pk, amount=order.total_gross, method="card", actor=staff)
    order.refresh_from_db()
    assert "reservation" not in {badge["key"] for badge in order_badges(order)}


def test_money_held_beyond_the_total_shows_as_refund_due(client, desk, order, staff):
    # given: paid in full, then a unit cancelled
    order_payment_record(order_id=order.pk, amount=order.total_gross, method="card", actor=staff)
    order_line_cancel(order_id=order.pk, line_id=order.lines.get().pk, quantity=1, actor=staff)
    order.refresh_from_db()
    # when
    badges = {badge["key"]: badge for badge in order_badges(order)}
    # then: 12.50 paid for the cancelled mug is owed back
    assert (badges["payment"]["label"], badges["payment"]["tone"]) == ("Refund due EUR 12.50", "danger")
    assert "Refund due (owed to the customer)" in general(client, desk, order)


def test_the_cards_show_customer_addresses_with_country_names_and_both_notes(client, desk, order):
    # given
    order_memo_add(order_id=order.pk, text="Fragile: pack twice", actor=desk)
    # when
    html = general(client, desk, order)
    # then
    assert "Smit Servies BV" in html and "+31 30 123 4567" in html and order.customer.email in html
    assert "1 order · lifetime value EUR 37.50" in html
    assert html.count("Netherlands") >= 2  # billing and shipping, by name
    assert "Customer's note" in html and "Please ring twice" in html
    assert "Internal memo · staff only" in html and "Fragile: pack twice" in html


def test_lines_show_ordered_cancelled_shipped_and_open_and_totals_show_tax_per_rate(
    client, desk, place_order, product, location, tax_rate
):
    # given: a 21 % mug and a 9 % book, one mug cancelled
    from catalog.models import TaxRate

    low = TaxRate.objects.create(name="Low", rate=Decimal("9.00"))
    book = factories.ProductFactory(sku="BOOK-1", name="Book", unit_price=Decimal("20.00"), tax_rate=low)
    factories.stock(product, location, 10)
    factories.stock(book, location, 10)
    order = place_order([(product, 3), (book, 1)], shipping_fee=Decimal("4.95"))
    mug = order.lines.get(sku="MUG-1")
    order_line_cancel(order_id=order.pk, line_id=mug.pk, quantity=1, actor=desk)
    order.refresh_from_db()
    mug.refresh_from_db()
    # when
    html = general(client, desk, order)
    # then
    row = html.split('<td class="mono">MUG-1</td>')[1].split("</tr>")[0]
    cells = [cell.split("<")[0] for cell in row.split('<td class="money">')[1:5]]
    assert cells == ["3", "1", "0", "2"]  # ordered, cancelled, shipped, open
    assert "Tax 21%" in html and "Tax 9%" in html
    book_tax = order.lines.get(sku="BOOK-1").tax
    assert f'Tax 9%</th><td class="money">{book_tax}</td>' in html
    assert f'<tr class="grand"><th>Total</th><td class="money">{order.total_gross}</td>' in html


def test_the_timeline_tells_in_sentences_newest_first(client, desk, order):
    # given: an edit of the quantity, then a split
    desk.first_name, desk.last_name = "Anna", "Desk"
    desk.save()
    line = order.lines.get()
    order_edit_commit(order_id=order.pk, changes=EditChanges(quantities={line.pk: 5}), base_version=1, actor=desk)
    child = order_split(order_id=order.pk, quantities={line.pk: 2}, reason=SplitReason.BACKORDER, actor=desk)
    # when
    html = general(client, desk, order)
    # then
    edited = "Anna Desk changed the quantity of Mug 3 → 5 (version 1 → 2)"
    split = f"Anna Desk split 2 × Mug into {child.number}: backorder"
    placed = "placed the order (EUR 37.50)"
    assert edited in html and split in html and placed in html
    assert html.index(split) < html.index(edited) < html.index(placed)  # newest first
    assert "E-mail ‘Order confirmed’ queued for" in html or "E-mail ‘Order confirmed’ sent to" in html


def test_the_split_family_lists_parent_and_children_with_totals(client, desk, order):
    # given
    line = order.lines.get()
    child = order_split(order_id=order.pk, quantities={line.pk: 1}, reason=SplitReason.SHIP_LATER, actor=desk)
    order.refresh_from_db()
    # when
    html = general(client, desk, child)
    # then
    family = html.split('id="card-family"')[1].split("</section>")[0]
    assert order.number in family and child.number in family and "(this order)" in family
    assert f"EUR {order.total_gross}" in family and f"EUR {child.total_gross}" in family
    assert f"EUR {order.total_gross + child.total_gross}" in family  # the family total


def test_the_general_tab_takes_a_fixed_number_of_queries(client, desk, order, django_assert_num_queries):
    # given: warm caches (session, permissions)
    general(client, desk, order)
    # when / then
    with django_assert_num_queries(GENERAL_TAB_QUERIES):
        client.get(reverse("admin:orders_order_change", args=(order.pk,)))


# session, user, the order (with customer and channel), its lines, the customer's count and lifetime value,
# events (with actors), memos, e-mails, the split family, two permission loads and the order's issued invoices
# (read once for the invoicing guards of all the header's buttons, invoicing/services/guards.py). The shop
# settings, which the context processor asks for once per rendered context (the page and unfold's components:
# four), come from the configuration cache (oms/config_cache.py): no query. Fulfilment's hand-off guard asks
# once per header button (edit, split, cancel, address change) whether a shipment released to the warehouse
# holds the order's units: four.
GENERAL_TAB_QUERIES = 16
