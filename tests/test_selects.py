"""oms.selects.rows_select: a queryset compiled once gives what the queryset itself gives, for any ids."""

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError

from oms.selects import rows_select
from orders.models import Order, OrderEvent
from tests.factories import stock

pytestmark = pytest.mark.django_db


def _events_of(order_id: int, code: str):
    return OrderEvent.objects.filter(order_id=order_id, type=code).order_by("pk")


def _locked(order_id: int):
    return Order.objects.select_for_update().filter(pk=order_id)


def test_the_rows_equal_the_querysets_for_each_set_of_ids(place_order, product, location):
    # given: two orders, each with its placed event, whose parameters are JSON (a converted column)
    stock(product, location, 10)
    first, second = place_order([(product, 1)]), place_order([(product, 2)])
    # when the same key is asked with different ids (and a string)
    for order in (first, second, first):
        rows = rows_select("test_events", _events_of, order.pk, "placed")
        # then: the same rows and values as the queryset's
        expected = list(_events_of(order.pk, "placed"))
        assert [(e.pk, e.order_id, e.type, e.parameters, e.created_at) for e in rows] == [
            (e.pk, e.order_id, e.type, e.parameters, e.created_at) for e in expected
        ]
        assert rows and isinstance(rows[0].parameters, dict)


@pytest.mark.django_db(transaction=True)
def test_a_locking_select_outside_a_transaction_is_refused_as_the_orm_refuses_it(place_order, product, location):
    stock(product, location, 10)
    order = place_order([(product, 1)])
    with transaction.atomic():
        assert [o.pk for o in rows_select("test_locked", _locked, order.pk)] == [order.pk]
    with pytest.raises(TransactionManagementError):
        rows_select("test_locked", _locked, order.pk)
