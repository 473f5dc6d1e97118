"""The order's Returns and Return requests tabs read a fixed number of queries, however many returns,
requests and lines the order has."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from returns.models import ReturnLine
from returns.services.requests import return_request_create
from returns.services.returns import LineInput, return_create
from tests.returns.conftest import lines_of

pytestmark = pytest.mark.django_db
# session, user, the order, the guard's look at the order, the tab's rows, their lines and what they link to;
# the returns tab reads each return's credit invoices (one query: a return may credit several debit invoices);
# the requests tab reads one more: who printed each accepted request's label (returns.admin_exchange)
QUERIES = {"returns": 8, "return-requests": 8}
D = ReturnLine.Disposition


def _make(order, location, reason, desk, count: int) -> None:
    lines = lines_of(order)
    for n in range(count):
        sku = "MUG-1" if n % 2 == 0 else "BOOK-1"
        return_request_create(order_id=order.pk, customer=order.customer, quantities={lines[sku].pk: 1},
                              reason_id=reason.pk)  # fmt: skip
        line = LineInput(lines[sku].pk, 1, reason.pk, D.QUARANTINE if n else D.RESTOCK, location.pk)
        return_create(order_id=order.pk, actor=desk, create_credit=n == 0, notify=False, lines=[line])


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("slug", ["returns", "return-requests"])
def test_order_tabs_do_not_grow_with_returns(client, desk, paid, location, reason, slug):
    client.force_login(desk)
    url = reverse("admin:orders_order_page", args=(paid.pk, slug))
    _make(paid, location, reason, desk, 1)
    assert _count(client, url) == QUERIES[slug]
    _make(paid, location, reason, desk, 2)
    assert _count(client, url) == QUERIES[slug]
