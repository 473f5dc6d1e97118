"""Races on PostgreSQL with real threads, each on its own database connection."""

import json

import pytest
from django.test import Client

from catalog.models import StockLevel
from oms.invariants import run_all
from orders.exceptions import StockUnavailable
from orders.models import Channel, Customer, Order
from orders.services.placement import LineInput, OrderInput, order_create
from tests.factories import ChannelFactory, stock
from tests.orders.test_api import TOKEN, URL, payload
from tests.threads import run_together


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_clients_buying_the_last_five_units_place_exactly_five_orders(
    channel, customer, product, location, shop
):
    # given
    level = stock(product, location, 5)

    def buy():
        data = OrderInput(channel=channel, customer=customer, lines=[LineInput(product=product, quantity=1)])
        return order_create(data=data, actor=None, place=True)

    # when
    results = run_together(20, buy)
    # then
    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, StockUnavailable)]
    assert (len(placed), len(refused)) == (5, 15), [r for r in results if not isinstance(r, Order | StockUnavailable)]
    assert Order.objects.count() == Order.objects.filter(status=Order.Status.PLACED).count() == 5
    level.refresh_from_db()
    assert (level.on_hand, level.allocated, level.sellable) == (5, 5, 0)
    assert {rule.name: rows for rule, rows in run_all() if rows} == {}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_identical_imports_racing_create_one_order(product, location, shop):
    # given
    ChannelFactory(code="market", name="Marketplace", api_token_digest=Channel.digest(TOKEN))
    stock(product, location, 10)
    body = json.dumps(payload())

    def post():
        response = Client().post(
            URL, data=body, content_type="application/json", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        return response.status_code, response.json()["number"]

    # when
    results = run_together(2, post)
    # then
    assert sorted(status for status, _ in results) == [200, 201], results
    assert len({number for _, number in results}) == 1
    assert (Order.objects.count(), Customer.objects.count()) == (1, 1)
    assert StockLevel.objects.get(product=product).allocated == 2
