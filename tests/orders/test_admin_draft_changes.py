"""A saved draft changed in the admin: another customer, and "Place order" with changes not yet saved."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import StockLevel
from orders.models import Order, OrderLine, PaymentTerms
from tests import factories


def change_url(order) -> str:
    return reverse("admin:orders_order_change", args=(order.pk,))


def posted_form(response) -> dict:
    """What the browser would post for the change page as rendered: every field's current value."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is False or value is None:
                value = "" if value is None else None
            if value is True:
                value = "on"
            if value is not None:
                data[form.add_prefix(name)] = value
    return data


@pytest.fixture
def bakker(db):
    customer = factories.CustomerFactory(name="Bakker", payment_terms=PaymentTerms.IMMEDIATE)
    factories.AddressFactory(customer=customer, name="Bakker", street="Bakkerstraat 1", city="Utrecht",
                             is_default_shipping=True)  # fmt: skip
    return customer


@pytest.fixture
def willems(db):
    customer = factories.CustomerFactory(name="Willems", company="Willems BV", payment_terms=PaymentTerms.NET_30)
    factories.AddressFactory(customer=customer, name="Willems BV", street="Havenweg 9", city="Rotterdam",
                             is_default_shipping=True)  # fmt: skip
    return customer


@pytest.fixture
def bakker_draft(place_order, bakker, product, location):
    factories.stock(product, location, 10)
    return place_order([(product, 1)], place=False, customer=bakker)


def test_a_draft_moved_from_bakker_to_willems_ships_to_willems_on_willems_terms(client, desk, bakker_draft, willems):
    # given the saved draft's page, as the clerk sees it (Bakker's address and terms filled in)
    client.force_login(desk)
    data = posted_form(client.get(change_url(bakker_draft)))
    assert (data["shipping_street"], data["payment_terms"]) == ("Bakkerstraat 1", PaymentTerms.IMMEDIATE)
    # when only the customer is changed and the draft saved, then placed
    data.update(customer=willems.pk, _continue="Save")
    assert client.post(change_url(bakker_draft), data).status_code == 302
    page = client.get(change_url(bakker_draft)).content.decode()
    client.post(reverse("admin:orders_order_page", args=(bakker_draft.pk, "place")))
    # then the order bills and ships to Willems on Willems' terms, and the draft page said so before placing
    order = Order.objects.get(pk=bakker_draft.pk)
    assert order.status == Order.Status.PLACED
    assert (order.billing_name, order.billing_street) == ("Willems BV", "Havenweg 9")
    assert (order.shipping_name, order.shipping_street, order.shipping_city) == (
        "Willems BV",
        "Havenweg 9",
        "Rotterdam",
    )
    assert order.payment_terms == PaymentTerms.NET_30
    ships_to = "Willems BV, Havenweg 9, 1000 AA, Rotterdam, NL <small>(the customer&#x27;s default)"
    assert f"Ships to</dt><dd>{ships_to}" in page
    assert "Payment terms</dt><dd>Net 30 days <small>(the customer&#x27;s terms)" in page


def test_a_typed_address_and_chosen_terms_stay_when_the_customer_changes(client, desk, bakker_draft, willems):
    # given the draft with a shipping address and payment terms the clerk typed
    client.force_login(desk)
    data = posted_form(client.get(change_url(bakker_draft)))
    data.update(shipping_name="Bakker (holiday)", shipping_street="Strandweg 3", shipping_city="Zandvoort",
                payment_terms=PaymentTerms.NET_14, _continue="Save")  # fmt: skip
    client.post(change_url(bakker_draft), data)
    # when the customer changes to Willems
    data = posted_form(client.get(change_url(bakker_draft)))
    data.update(customer=willems.pk, _continue="Save")
    client.post(change_url(bakker_draft), data)
    # then the typed shipping address and terms are kept; the billing address (Bakker's default) follows Willems
    order = Order.objects.get(pk=bakker_draft.pk)
    assert (order.customer, order.billing_street) == (willems, "Havenweg 9")
    assert (order.shipping_name, order.shipping_street) == ("Bakker (holiday)", "Strandweg 3")
    assert order.payment_terms == PaymentTerms.NET_14
    page = client.get(change_url(order)).content.decode()
    assert "Ships to</dt><dd>Bakker (holiday), Strandweg 3, 1000 AA, Zandvoort, NL <small>(typed)" in page
    assert "Payment terms</dt><dd>Net 14 days <small>(chosen)" in page


def test_place_order_on_a_draft_with_unsaved_changes_saves_them_and_places_the_new_values(
    client, desk, bakker_draft, product
):
    # given the draft page: its "Place order" button submits the draft's own form
    client.force_login(desk)
    response = client.get(change_url(bakker_draft))
    assert 'form="order_form" name="_place"' in response.content.decode()
    data = posted_form(response)
    # when the clerk changes the quantity and the shipping fee and presses "Place order" without saving
    data.update({"lines-0-quantity": "3", "shipping_fee": "4.95", "_place": "1"})
    response = client.post(change_url(bakker_draft), data, follow=True)
    # then the order is placed with the new values, and its stock reserved for them
    order = Order.objects.get(pk=bakker_draft.pk)
    assert order.status == Order.Status.PLACED
    line = order.lines.get()
    assert line.quantity == 3
    assert order.shipping_fee == Decimal("4.95")
    assert order.total_gross == Decimal("42.45")  # 3 × 12.50 + 4.95
    assert StockLevel.objects.get(product=product).allocated == 3
    assert f"{order} was saved, placed and its stock reserved." in response.content.decode()


def test_place_order_that_cannot_reserve_keeps_the_saved_changes_and_the_draft(client, desk, bakker_draft, product):
    # given the draft page, and only 10 mugs in stock
    client.force_login(desk)
    data = posted_form(client.get(change_url(bakker_draft)))
    # when the clerk asks for 11 and presses "Place order"
    data.update({"lines-0-quantity": "11", "_place": "1"})
    response = client.post(change_url(bakker_draft), data, follow=True)
    # then the change is saved, the order stays a draft, no stock is reserved, and the clerk is told why
    order = Order.objects.get(pk=bakker_draft.pk)
    assert order.status == Order.Status.DRAFT
    assert OrderLine.objects.get(order=order).quantity == 11
    assert StockLevel.objects.get(product=product).allocated == 0
    assert "were saved, but it was not placed: Not enough stock" in response.content.decode()


def test_an_invalid_form_with_place_order_saves_and_places_nothing(client, desk, bakker_draft):
    # given the draft page
    client.force_login(desk)
    data = posted_form(client.get(change_url(bakker_draft)))
    # when the clerk enters a negative quantity and presses "Place order"
    data.update({"lines-0-quantity": "-2", "_place": "1"})
    response = client.post(change_url(bakker_draft), data)
    # then the form comes back with the error and nothing changed
    assert response.status_code == 200
    order = Order.objects.get(pk=bakker_draft.pk)
    assert order.status == Order.Status.DRAFT
    assert order.lines.get().quantity == 1
