from decimal import Decimal

import pytest

from orders.models import OrderLine
from orders.services.cancel import order_line_cancel
from orders.services.placement import LineInput, OrderInput, order_create
from tests.factories import stock


@pytest.mark.django_db
def test_cancelling_every_unit_of_a_discounted_line_drops_its_discount_too(channel, customer, product, location, shop):
    # given: 4 mugs at 12.50 with 5.00 off the line
    stock(product, location, 10)
    data = OrderInput(
        channel=channel,
        customer=customer,
        lines=[
            LineInput(product=product, quantity=4, discount_amount=Decimal("5.00")),
            LineInput(name="Gift wrap", quantity=1, unit_price=Decimal("2.00"), tax_rate=Decimal("21.00")),
        ],
    )
    order = order_create(data=data, place=True)
    line = order.lines.get(product=product)
    assert line.gross == Decimal("45.00")
    # when: one unit, then the other three are cancelled
    order_line_cancel(order_id=order.pk, line_id=line.pk, quantity=1)
    line.refresh_from_db()
    assert (line.gross, line.discount_amount) == (Decimal("33.75"), Decimal("3.75"))  # 3 × 12.50 − 3.75
    order = order_line_cancel(order_id=order.pk, line_id=line.pk, quantity=3)
    # then
    line.refresh_from_db()
    assert (line.net, line.tax, line.gross) == (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))
    assert order.total_gross == OrderLine.objects.get(order=order, product=None).gross
    assert order.discount_total == Decimal("0.00")


@pytest.mark.django_db
def test_removing_a_discounted_line_in_an_edit_keeps_every_total_whole(channel, customer, product, location, shop):
    # given
    from orders.services.edit import EditChanges, order_edit_commit

    stock(product, location, 10)
    data = OrderInput(
        channel=channel,
        customer=customer,
        lines=[
            LineInput(product=product, quantity=2, discount_amount=Decimal("3.00")),
            LineInput(name="Gift wrap", quantity=1, unit_price=Decimal("2.00"), tax_rate=Decimal("21.00")),
        ],
    )
    order = order_create(data=data, place=True)
    line = order.lines.get(product=product)
    # when
    order = order_edit_commit(
        order_id=order.pk,
        base_version=order.version,
        changes=EditChanges(quantities={line.pk: 0}),
        actor=None,
        notify=False,
    )
    # then
    line.refresh_from_db()
    assert (line.quantity_active, line.discount_amount, line.gross) == (0, Decimal("0.00"), Decimal("0.00"))
    assert order.total_gross == Decimal("2.00") + order.shipping_gross
