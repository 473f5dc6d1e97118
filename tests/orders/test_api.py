import json

import pytest

from catalog.models import StockLevel, StockMovement
from orders.models import Channel, Customer, Order, OrderEvent
from tests.factories import ChannelFactory, CustomerFactory, ProductFactory, stock

URL = "/api/orders/"
TOKEN = "channel-secret-token"


@pytest.fixture
def api_channel(db):
    return ChannelFactory(code="market", name="Marketplace", api_token_digest=Channel.digest(TOKEN))


@pytest.fixture
def post(client, api_channel, shop):
    def _post(body, *, token=TOKEN, raw=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        data = raw if raw is not None else json.dumps(body)
        return client.post(URL, data=data, content_type="application/json", headers=headers)

    return _post


def payload(**overrides) -> dict:
    body = {
        "external_id": "M-1001",
        "customer": {"email": "ann@example.com", "name": "Ann Buyer", "phone": "+31 6 1234"},
        "billing_address": {
            "name": "Ann Buyer",
            "street": "Canal 1",
            "postal_code": "1011 AA",
            "city": "Amsterdam",
            "country": "NL",
        },
        "lines": [{"sku": "MUG-1", "quantity": 2}],
    }
    body.update(overrides)
    return body


@pytest.mark.django_db
def test_import_creates_and_places_the_order_and_returns_201(post, product, location, api_channel):
    # given
    stock(product, location, 10)
    body = payload(
        shipping_fee="4.95",
        discount="1.00",
        memo="Leave at the door",
        lines=[
            {"sku": "MUG-1", "quantity": 2, "unit_price": "11.00", "discount": "0.50"},
            {"name": "Gift wrap", "unit_price": "2.50", "tax_rate": "21", "quantity": 1},
        ],
    )
    # when
    response = post(body)
    # then
    assert response.status_code == 201, response.json()
    data = response.json()
    order = Order.objects.get()
    assert data["number"] == order.number
    assert data["status"] == "placed"
    assert data["totals"] == {
        "lines_gross": "23.00",
        "discount": "1.50",
        "shipping": "4.95",
        "net": str(order.total_net),
        "tax": str(order.total_tax),
        "gross": "27.95",
    }
    assert [(line["sku"], line["quantity"], line["gross"]) for line in data["lines"]] == [
        ("MUG-1", 2, str(order.lines.get(sku="MUG-1").gross)),
        ("", 1, str(order.lines.get(name="Gift wrap").gross)),
    ]
    assert (order.channel, order.external_reference, order.memo) == (api_channel, "M-1001", "Leave at the door")
    assert order.customer.email == "ann@example.com"
    assert order.shipping_city == "Amsterdam"  # shipping address defaults to the billing address
    assert StockLevel.objects.get(product=product).allocated == 2
    imported = order.events.get(type=OrderEvent.Type.IMPORTED)
    assert (imported.source, imported.actor) == (OrderEvent.Source.API, None)
    assert imported.parameters == {"channel": "market", "external_reference": "M-1001"}


@pytest.mark.django_db
def test_repeat_of_the_same_external_id_returns_200_with_the_same_order(post, product, location):
    # given
    stock(product, location, 10)
    first = post(payload())
    # when
    second = post(payload())
    # then
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["number"] == first.json()["number"]
    assert Order.objects.count() == 1
    assert StockLevel.objects.get(product=product).allocated == 2


@pytest.mark.django_db
def test_the_same_external_id_on_another_channel_is_another_order(post, client, product, location):
    # given
    stock(product, location, 10)
    ChannelFactory(code="other", name="Other", api_token_digest=Channel.digest("other-token"))
    post(payload())
    # when
    response = post(payload(), token="other-token")
    # then
    assert response.status_code == 201
    assert Order.objects.count() == 2


@pytest.mark.django_db
def test_existing_customer_is_matched_by_email(post, product, location):
    # given
    stock(product, location, 10)
    known = CustomerFactory(email="Ann@Example.com", name="Ann (known)")
    # when
    post(payload())
    # then
    assert Order.objects.get().customer == known
    assert Customer.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("token", [None, "wrong-token", "Bearer", ""], ids=["missing", "wrong", "scheme-only", "empty"])
def test_missing_or_wrong_token_is_401_and_creates_nothing(post, product, location, token):
    # given
    stock(product, location, 10)
    # when
    response = post(payload(), token=token)
    # then
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_inactive_channel_is_401(post, api_channel, product, location):
    # given
    stock(product, location, 10)
    Channel.objects.filter(pk=api_channel.pk).update(active=False)
    # when
    response = post(payload())
    # then
    assert response.status_code == 401
    assert Order.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["{not json", '{"external_id": NaN}', "\xff\xfe"], ids=["broken", "nan", "bytes"])
def test_bad_json_is_400_invalid_json(post, raw):
    # when
    response = post(None, raw=raw)
    # then
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_json"
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_field_errors_are_400_and_list_every_error_with_the_line_index(post, product, location):
    # given
    stock(product, location, 10)
    body = payload(
        external_id="",
        shipping_fee="-1",
        discount="1.234",
        customer={"email": "not-an-email"},
        billing_address={"name": "Ann", "street": "Canal 1", "postal_code": "1011", "city": "A", "country": "nl"},
        lines=[
            {"sku": "MUG-1", "quantity": 0},
            {"name": "Custom without price", "quantity": 1},
            {},
            "not an object",
        ],
    )
    # when
    response = post(body)
    # then
    assert response.status_code == 400
    data = response.json()
    assert data["error"] == "invalid"
    assert set(data["errors"]) == {
        "external_id",
        "shipping_fee",
        "discount",
        "customer.email",
        "customer.name",
        "billing_address.country",
        "lines[0].quantity",
        "lines[1].unit_price",
        "lines[1].tax_rate",
        "lines[2].quantity",
        "lines[2].name",
        "lines[2].unit_price",
        "lines[2].tax_rate",
        "lines[3]",
        "lines[3].quantity",
        "lines[3].name",
        "lines[3].unit_price",
        "lines[3].tax_rate",
    }
    assert Order.objects.count() == 0
    assert Customer.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([1, 2], "__all__"),
        (payload(customer="ann@example.com"), "customer"),
        (payload(billing_address=None), "billing_address"),
        (payload(lines=[]), "lines"),
        (payload(lines={"sku": "MUG-1"}), "lines"),
        (payload(lines=[{"sku": "MUG-1", "quantity": 1.5}]), "lines[0].quantity"),
        (payload(lines=[{"sku": "MUG-1", "quantity": 1, "unit_price": 12.505}]), "lines[0].unit_price"),
    ],
    ids=["not-object", "customer-string", "no-billing", "no-lines", "lines-object", "fraction-qty", "sub-cent"],
)
def test_malformed_parts_are_400_naming_the_field(post, body, field):
    # when
    response = post(body)
    # then
    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.django_db
def test_unknown_sku_is_400_naming_the_skus(post, product, location, tax_rate):
    # given
    stock(product, location, 10)
    ProductFactory(sku="OLD-1", tax_rate=tax_rate, active=False)
    body = payload(
        lines=[{"sku": "MUG-1", "quantity": 1}, {"sku": "NOPE-9", "quantity": 1}, {"sku": "OLD-1", "quantity": 1}]
    )
    # when
    response = post(body)
    # then
    assert response.status_code == 400
    assert response.json()["error"] == "unknown_sku"
    assert response.json()["details"] == {"skus": ["NOPE-9", "OLD-1"]}
    assert (Order.objects.count(), Customer.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_not_enough_stock_is_409_naming_the_lines_and_changes_nothing(post, product, location, tax_rate):
    # given
    cup = ProductFactory(sku="CUP-1", name="Cup", tax_rate=tax_rate)
    stock(product, location, 10)
    stock(cup, location, 1)
    movements = StockMovement.objects.count()
    body = payload(
        lines=[{"sku": "CUP-1", "quantity": 1}, {"sku": "MUG-1", "quantity": 2}, {"sku": "CUP-1", "quantity": 3}]
    )
    # when
    response = post(body)
    # then
    assert response.status_code == 409
    data = response.json()
    assert data["error"] == "insufficient_stock"
    assert data["details"] == [{"lines": [0, 2], "sku": "CUP-1", "name": "Cup", "requested": 3, "available": 0}]
    assert (Order.objects.count(), Customer.objects.count()) == (0, 0)
    assert StockMovement.objects.count() == movements
    assert StockLevel.objects.get(product=product).allocated == 0


@pytest.mark.django_db
def test_a_discount_above_the_goods_value_is_400(post, product, location):
    # given
    stock(product, location, 10)
    # when
    response = post(payload(discount="500.00"))
    # then
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert Order.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_other_methods_are_405(client, method):
    # when
    response = getattr(client, method)(URL)
    # then
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def _lose_the_race(monkeypatch):
    """The next import's first lookup runs as if the first order were not committed yet."""
    from orders.services import channel_import

    lookups = iter([None])
    real_repeat = channel_import._repeat
    monkeypatch.setattr(channel_import, "_repeat", lambda *args: next(lookups, None) or real_repeat(*args))


@pytest.mark.django_db
def test_an_import_that_loses_the_race_returns_the_winners_order_and_leaves_nothing(
    post, product, location, monkeypatch
):
    # given: the first order exists, but the second request's lookup ran before it was committed
    stock(product, location, 10)
    first = post(payload()).json()
    _lose_the_race(monkeypatch)
    # when the same request arrives again
    response = post(payload())
    # then: the unique constraint turned the second insert away, and it answered as a repeat
    assert response.status_code == 200
    assert response.json()["number"] == first["number"]
    assert (Order.objects.count(), Customer.objects.count()) == (1, 1)
    assert StockLevel.objects.get(product=product).allocated == 2


@pytest.mark.django_db
def test_an_import_with_another_body_that_loses_the_race_is_a_conflict_and_leaves_nothing(
    post, product, location, monkeypatch
):
    # given: the first order exists, but the second request's lookup ran before it was committed
    stock(product, location, 10)
    first = post(payload()).json()
    _lose_the_race(monkeypatch)
    # when a request with the same external id and another customer arrives
    response = post(payload(customer={"email": "other@example.com", "name": "Other"}))
    # then: 409 naming the first order; the second request's new customer was rolled back too
    assert response.status_code == 409
    assert (response.json()["error"], response.json()["number"]) == ("idempotency_conflict", first["number"])
    assert (Order.objects.count(), Customer.objects.count()) == (1, 1)
    assert StockLevel.objects.get(product=product).allocated == 2
