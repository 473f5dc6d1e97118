"""Return requests: only shipped units not yet returned or requested; a request never changes stock or money."""

from decimal import Decimal

import pytest

from catalog.models import StockLevel, StockMovement
from orders.exceptions import InvalidTransition, OrderNotFound, OrderValidationError
from orders.models import OrderEvent
from returns.models import ReturnRequest
from returns.services.requests import return_request_create
from tests import factories
from tests.returns.conftest import lines_of

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(StockLevel.objects.order_by("pk").values_list("on_hand", "allocated", "quarantined")),
        StockMovement.objects.count(),
        ReturnRequest.objects.count(),
    )


def test_customer_requests_shipped_units_and_nothing_else_changes(shipped, reason):
    # given
    lines = lines_of(shipped)
    before = snapshot()
    # when
    request = return_request_create(
        order_id=shipped.pk, customer=shipped.customer, quantities={lines["MUG-1"].pk: 2, lines["BOOK-1"].pk: "0"},
        reason_id=reason.pk, comment="Two arrived\ncracked",
    )  # fmt: skip
    # then
    assert request.number == f"{shipped.number}-RR1" and request.status == ReturnRequest.Status.REQUESTED
    assert [(line.order_line.sku, line.quantity) for line in request.lines.all()] == [("MUG-1", 2)]
    assert snapshot()[:2] == before[:2]
    shipped.refresh_from_db()
    assert shipped.amount_paid == Decimal("0.00")
    event = OrderEvent.objects.filter(order=shipped, type="return_requested").get()
    assert event.source == "storefront" and event.parameters["number"] == request.number
    assert "2 × Mug" in event.parameters["details"]


def test_requested_units_cannot_be_requested_again(shipped, reason):
    mug = lines_of(shipped)["MUG-1"]
    return_request_create(order_id=shipped.pk, customer=shipped.customer, quantities={mug.pk: 2}, reason_id=reason.pk)
    before = snapshot()
    with pytest.raises(OrderValidationError, match="from 0 to 1"):
        return_request_create(
            order_id=shipped.pk, customer=shipped.customer, quantities={mug.pk: 2}, reason_id=reason.pk
        )
    assert snapshot() == before
    second = return_request_create(
        order_id=shipped.pk, customer=shipped.customer, quantities={mug.pk: 1}, reason_id=reason.pk
    )
    assert second.number.endswith("-RR2")


@pytest.mark.parametrize(
    "quantities, message",
    [
        ("none", "at least one"),
        ("zero", "at least one"),
        ("nan", "not a whole number"),
        ("many", "from 0 to 3"),
        ("other", "not a shipped line"),
    ],
)
def test_refusals_change_nothing(shipped, reason, quantities, message):
    mug = lines_of(shipped)["MUG-1"]
    typed = {"zero": {mug.pk: 0}, "nan": {mug.pk: "NaN"}, "many": {mug.pk: 4}, "other": {999999: 1}, "none": {}}.get(
        quantities, quantities
    )
    before = snapshot()
    with pytest.raises(OrderValidationError, match=message):
        return_request_create(order_id=shipped.pk, customer=shipped.customer, quantities=typed, reason_id=reason.pk)
    assert snapshot() == before


def test_bad_reason_and_comment_are_refused(shipped, reason):
    mug = lines_of(shipped)["MUG-1"]
    before = snapshot()
    with pytest.raises(OrderValidationError, match="Reason"):
        return_request_create(order_id=shipped.pk, customer=shipped.customer, quantities={mug.pk: 1}, reason_id="x")
    with pytest.raises(OrderValidationError, match="Comment: this text contains a NUL"):
        return_request_create(
            order_id=shipped.pk, customer=shipped.customer, quantities={mug.pk: 1}, reason_id=reason.pk,
            comment="bad\x00",
        )  # fmt: skip
    with pytest.raises(OrderValidationError, match="at most 2000"):
        return_request_create(
            order_id=shipped.pk, customer=shipped.customer, quantities={mug.pk: 1}, reason_id=reason.pk,
            comment="x" * 2001,
        )  # fmt: skip
    assert snapshot() == before


def test_another_customers_order_is_not_found(shipped, reason):
    stranger = factories.CustomerFactory()
    mug = lines_of(shipped)["MUG-1"]
    with pytest.raises(OrderNotFound):
        return_request_create(order_id=shipped.pk, customer=stranger, quantities={mug.pk: 1}, reason_id=reason.pk)
    assert not ReturnRequest.objects.exists()


def test_unshipped_order_has_nothing_to_request(place_order, stocked, reason):
    mug, _ = stocked
    order = place_order([(mug, 2)])
    line = order.lines.get()
    with pytest.raises(InvalidTransition, match="no shipped units"):
        return_request_create(order_id=order.pk, customer=order.customer, quantities={line.pk: 1}, reason_id=reason.pk)
    assert not ReturnRequest.objects.exists()
