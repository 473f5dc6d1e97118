"""Manual orders typed in the admin: drafts saved through the draft service, frozen once placed."""

from decimal import Decimal

from django.urls import reverse

from orders.models import Order, OrderEvent, PaymentTerms
from tests import factories


def draft_post(customer, channel, lines, **fields):
    data = {
        "customer": customer.pk,
        "channel": channel.pk,
        "external_reference": "",
        "payment_terms": "",
        "shipping_fee": "4.95",
        "discount_amount": "0",
        "memo": "",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for prefix in ("billing", "shipping"):
        for part in ("name", "company", "street", "postal_code", "city", "country"):
            data[f"{prefix}_{part}"] = ""
    for index, line in enumerate(lines):
        for key, value in line.items():
            data[f"lines-{index}-{key}"] = value
    data.update(fields)
    return data


def test_a_draft_with_a_product_line_and_a_custom_item_is_priced_from_shop_and_customer(
    client, desk, customer, channel, product, shop
):
    # given
    customer.payment_terms = PaymentTerms.NET_30
    customer.save()
    factories.TaxRateFactory(name="Reduced", rate=Decimal("9.00"))
    lines = [
        {"product": product.pk, "quantity": "2"},
        {"name": "Gift wrapping", "quantity": "1", "unit_price": "3.00", "tax_rate": "9"},
    ]
    client.force_login(desk)
    # when
    response = client.post(reverse("admin:orders_order_add"), draft_post(customer, channel, lines))
    # then
    assert response.status_code == 302, response.context and response.context["errors"]
    order = Order.objects.get()
    assert order.status == Order.Status.DRAFT
    assert order.number
    assert (order.currency, order.prices_include_tax, order.payment_terms) == ("EUR", True, PaymentTerms.NET_30)
    assert order.billing_street == "Main street 1" and order.shipping_city == "Amsterdam"
    mug, wrap = order.lines.order_by("position")
    assert (mug.sku, mug.name, mug.unit_price, mug.tax_rate, mug.gross) == (
        "MUG-1",
        "Mug",
        Decimal("12.50"),
        Decimal("21.00"),
        Decimal("25.00"),
    )
    assert (wrap.product, wrap.gross) == (None, Decimal("3.00"))
    assert order.total_gross == Decimal("32.95")
    assert order.events.get().type == OrderEvent.Type.DRAFT_CREATED
    assert order.created_by == desk


def test_a_custom_item_without_a_price_is_refused(client, desk, customer, channel):
    # given
    lines = [{"name": "Mystery", "quantity": "1", "tax_rate": "21"}]
    client.force_login(desk)
    # when
    response = client.post(reverse("admin:orders_order_add"), draft_post(customer, channel, lines))
    # then
    assert response.status_code == 200
    assert "give a custom item a name, a unit price and a tax rate" in response.content.decode()
    assert not Order.objects.exists()


def test_a_discount_larger_than_the_goods_is_a_form_error_that_keeps_the_input(
    client, desk, customer, channel, product
):
    # given
    lines = [{"product": product.pk, "quantity": "1"}]
    client.force_login(desk)
    # when
    response = client.post(
        reverse("admin:orders_order_add"), draft_post(customer, channel, lines, discount_amount="99")
    )
    # then: the form comes back with the error and what was typed, and nothing is saved
    assert response.status_code == 200
    html = response.content.decode()
    assert "is more than the goods&#x27; value" in html
    assert 'name="discount_amount" value="99"' in html
    assert not Order.objects.exists()


def test_a_line_discount_larger_than_the_line_is_a_form_error(client, desk, customer, channel, product):
    # given
    lines = [{"product": product.pk, "quantity": "2", "discount_amount": "30.00"}]
    client.force_login(desk)
    # when
    response = client.post(reverse("admin:orders_order_add"), draft_post(customer, channel, lines))
    # then
    assert response.status_code == 200
    assert "the discount 30.00 is more than the line&#x27;s value" in response.content.decode()
    assert not Order.objects.exists()


def test_changing_a_draft_reprices_it(client, desk, customer, channel, product, place_order):
    # given
    draft = place_order([(product, 1)], place=False)
    line = draft.lines.get()
    data = draft_post(
        customer,
        channel,
        [
            {
                "id": line.pk,
                "order": draft.pk,
                "product": product.pk,
                "quantity": "3",
                "name": line.name,
                "unit_price": "12.50",
                "tax_rate": "21.00",
                "discount_amount": "0.00",
            }
        ],
        shipping_fee="0",
    )
    data["lines-INITIAL_FORMS"] = "1"
    client.force_login(desk)
    # when
    response = client.post(reverse("admin:orders_order_change", args=(draft.pk,)), data)
    # then
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.total_gross == Decimal("37.50")
    assert draft.lines.get().quantity == 3


def test_a_placed_order_shows_its_lines_and_amounts_read_only(client, desk, place_order, product, location):
    # given
    factories.stock(product, location, 5)
    order = place_order([(product, 1)])
    client.force_login(desk)
    # when
    response = client.get(reverse("admin:orders_order_change", args=(order.pk,)))
    # then: the General tab of a placed order is a page to read, with no form to edit (its buttons call services)
    html = response.content.decode()
    assert "adminform" not in response.context
    assert 'id="order_form"' not in html and 'name="_save"' not in html
    assert "MUG-1" in html and f'<td class="money"><strong>{order.lines.get().gross}</strong></td>' in html


def test_saving_a_placed_order_by_hand_changes_nothing(client, desk, place_order, product, location):
    # given
    factories.stock(product, location, 5)
    order = place_order([(product, 1)])
    client.force_login(desk)
    before = Order.objects.values().get(pk=order.pk)
    # when
    client.post(
        reverse("admin:orders_order_change", args=(order.pk,)),
        {"shipping_fee": "100", "discount_amount": "5", "lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0"},
    )
    # then
    after = Order.objects.values().get(pk=order.pk)
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }


def test_orders_cannot_be_deleted_in_the_admin(client, superuser, place_order, product):
    # given
    draft = place_order([(product, 1)], place=False)
    client.force_login(superuser)
    # when
    response = client.post(reverse("admin:orders_order_delete", args=(draft.pk,)), {"post": "yes"})
    # then
    assert response.status_code == 403
    assert Order.objects.filter(pk=draft.pk).exists()
