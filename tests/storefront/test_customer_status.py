import pytest

from orders.models import Order, PaymentTerms
from orders.selectors.customer import order_status_for_customer

S, P, F = Order.Status, Order.PaymentStatus, Order.FulfillmentStatus


@pytest.mark.parametrize(
    ("status", "payment", "fulfillment", "terms", "label"),
    [
        (S.PLACED, P.UNPAID, F.UNFULFILLED, PaymentTerms.IMMEDIATE, "Awaiting payment"),
        (S.PLACED, P.PARTIALLY_PAID, F.UNFULFILLED, PaymentTerms.IMMEDIATE, "Partly paid, awaiting payment"),
        (S.PLACED, P.PAID, F.UNFULFILLED, PaymentTerms.IMMEDIATE, "Being prepared"),
        (S.PLACED, P.UNPAID, F.UNFULFILLED, PaymentTerms.NET_30, "Being prepared"),
        (S.PLACED, P.PAID, F.PARTIALLY_FULFILLED, PaymentTerms.IMMEDIATE, "Partly shipped"),
        (S.PLACED, P.UNPAID, F.PARTIALLY_FULFILLED, PaymentTerms.IMMEDIATE, "Partly shipped, payment due"),
        (S.PLACED, P.REFUND_DUE, F.FULFILLED, PaymentTerms.IMMEDIATE, "Shipped"),
        (S.PLACED, P.PARTIALLY_PAID, F.FULFILLED, PaymentTerms.IMMEDIATE, "Shipped, payment due"),
        (S.PLACED, P.UNPAID, F.FULFILLED, PaymentTerms.NET_14, "Shipped"),
        (S.CANCELED, P.PAID, F.UNFULFILLED, PaymentTerms.IMMEDIATE, "Cancelled"),
    ],
)
def test_customer_sees_one_status_combined_from_status_payment_and_fulfilment(
    status, payment, fulfillment, terms, label
):
    # given
    order = Order(status=status, payment_status=payment, fulfillment_status=fulfillment, payment_terms=terms)
    # when
    shown = order_status_for_customer(order)
    # then
    assert shown.label == label
