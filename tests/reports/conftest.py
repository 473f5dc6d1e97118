"""A small shop history in March 2026, made through the services, with figures computed by hand.

Prices include tax (the shop's default). Mug 12.50 (21 %), book 20.00 (9 %), vase 40.00 (21 %, never sold).

| order | channel | customer | placed (10:00) | lines               | gross | what happens                          |
| A     | web     | Ann      | Mon 2 March    | 2 mugs + 5.00 ship. | 30.00 | invoiced 3 March, paid 30.00 on       |
|       |         |          |                |                     |       | 5 March, 1 mug shipped (PostNL) 36 h  |
|       |         |          |                |                     |       | after placing: partly shipped         |
| B     | web     | Ann      | Wed 4 March    | 1 book              | 20.00 | paid 20.00 on 6 March, no invoice (so |
|       |         |          |                |                     |       | unmatched); shipped (DHL) 14 March    |
| C     | phone   | Bob      | Tue 10 March   | 1 mug               | 12.50 | invoiced 12 March, due at once, unpaid|
| D     | phone   | Bob      | Wed 11 March   | 1 book              | 20.00 | cancelled                             |
| E     | web     | Ann      | –              | 1 mug               |       | a draft, never placed                 |
| F     | web     | Ann      | Fri 20 Feb     | 1 mug               | 12.50 | before the range                      |

Stock at "main": 1000 mugs and 1000 books received, 5 vases; the book level's reorder point is 1000.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import Order
from tests import factories

D = Decimal


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@dataclass
class History:
    a: Order
    b: Order
    c: Order
    d: Order
    f: Order
    web: object
    phone: object


def _backdate(order: Order, day: date) -> Order:
    # given-step stand-in for an order placed back then: the services stamp "now"
    Order.objects.filter(pk=order.pk).update(placed_at=at(day), created_at=at(day))
    order.refresh_from_db()
    return order


@pytest.fixture
def history(db, place_order, location, tax_rate, channel, customer):
    from catalog.models import StockLevel, TaxRate
    from fulfillment.models import Shipment
    from invoicing.services.drafts import invoice_create
    from invoicing.services.issue import invoice_issue
    from orders.services.cancel import order_cancel
    from orders.services.payments import order_payment_record

    low = TaxRate.objects.create(name="Low", rate=D("9.00"))
    mug = factories.ProductFactory(sku="MUG-1", name="Mug", unit_price=D("12.50"), tax_rate=tax_rate)
    book = factories.ProductFactory(sku="BOOK-1", name="Book", unit_price=D("20.00"), tax_rate=low)
    vase = factories.ProductFactory(sku="VASE-1", name="Vase", unit_price=D("40.00"), tax_rate=tax_rate)
    factories.stock(mug, location, 1000)
    factories.stock(book, location, 1000)
    factories.stock(vase, location, 5)
    StockLevel.objects.filter(product=book).update(reorder_point=1000)
    phone = factories.ChannelFactory(code="phone", name="Phone")
    bob = factories.AddressFactory(customer__name="Bob", customer__email="bob@example.com").customer
    customer.name = "Ann"
    customer.save()

    a = _backdate(place_order([(mug, 2)], shipping_fee=D("5.00")), date(2026, 3, 2))
    b = _backdate(place_order([(book, 1)]), date(2026, 3, 4))
    c = _backdate(place_order([(mug, 1)], channel=phone, customer=bob), date(2026, 3, 10))
    d = _backdate(place_order([(book, 1)], channel=phone, customer=bob), date(2026, 3, 11))
    place_order([(mug, 1)], place=False)
    f = _backdate(place_order([(mug, 1)]), date(2026, 2, 20))
    order_cancel(order_id=d.pk, reason="Changed mind")

    invoice_issue(invoice_id=invoice_create(order_id=a.pk).pk, issue_date=date(2026, 3, 3))
    order_payment_record(order_id=a.pk, amount=D("30.00"), method="bank_transfer", paid_on=date(2026, 3, 5))
    order_payment_record(order_id=b.pk, amount=D("20.00"), method="bank_transfer", paid_on=date(2026, 3, 6))
    invoice_issue(invoice_id=invoice_create(order_id=c.pk).pk, issue_date=date(2026, 3, 12))

    line_a = a.lines.get()
    (to_postnl,) = factories.ship(a.pk, {line_a.pk: 1})
    (to_dhl,) = factories.ship(b.pk, {b.lines.get().pk: 1})
    Shipment.objects.filter(pk=to_postnl.pk).update(
        carrier="PostNL", shipped_at=at(date(2026, 3, 2)) + timedelta(hours=36)
    )
    Shipment.objects.filter(pk=to_dhl.pk).update(carrier="DHL", shipped_at=at(date(2026, 3, 14)))
    return History(a=a, b=b, c=c, d=d, f=f, web=channel, phone=phone)


@pytest.fixture
def march():
    from reports.forms import Filters

    return Filters(since=date(2026, 3, 1), until=date(2026, 3, 31), period="week")


def _refund_of(place_order, finance, items, **fields):
    """Place, pay in full by bank transfer, cancel: the cancellation's refund hook makes the refund of what is
    owed back (manual mode: pending)."""
    from orders.services.cancel import order_cancel
    from orders.services.payments import order_payment_record
    from returns.models import Refund

    order = place_order(items, **fields)
    order_payment_record(order_id=order.pk, amount=order.total_gross, method="bank_transfer", actor=None)
    order_cancel(order_id=order.pk, reason="Changed mind")
    refund = Refund.objects.get(order=order)
    assert (refund.status, refund.amount) == (Refund.Status.PENDING, order.total_gross)  # given
    return refund


def _send(refund, finance, capture) -> None:
    from returns.models import Refund
    from returns.services.refunds import refund_approve

    with capture(execute=True):
        refund_approve(refund_id=refund.pk, actor=finance)
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SENT  # given: a payout waiting for finance to confirm it


@pytest.fixture
def refunds_today(place_order, finance, location, tax_rate, django_capture_on_commit_callbacks):
    """Today, made through the services (manual refund mode, bank transfers, so each refund is a manual payout):

    | order | channel | lines           | paid  | then                                                         |
    | G     | web     | 1 mug (12.50)   | 12.50 | cancelled, refund of 12.50 approved, sent, payout confirmed  |
    | H     | phone   | 1 book (20.00)  | 20.00 | cancelled, refund of 20.00 pending approval                  |
    | K     | web     | 2 mugs (25.00)  | 25.00 | cancelled, refund of 25.00 approved and sent (not confirmed) |
    """
    from returns.services.refunds import refund_confirm_payout

    mug = factories.ProductFactory(sku="MUG-9", name="Mug", unit_price=D("12.50"), tax_rate=tax_rate)
    book = factories.ProductFactory(sku="BOOK-9", name="Book", unit_price=D("20.00"), tax_rate=tax_rate)
    factories.stock(mug, location, 100)
    factories.stock(book, location, 100)
    phone = factories.ChannelFactory(code="phone9", name="Phone")
    g = _refund_of(place_order, finance, [(mug, 1)])
    _send(g, finance, django_capture_on_commit_callbacks)
    refund_confirm_payout(refund_id=g.pk, actor=finance)
    h = _refund_of(place_order, finance, [(book, 1)], channel=phone)
    k = _refund_of(place_order, finance, [(mug, 2)])
    _send(k, finance, django_capture_on_commit_callbacks)
    return {"g": g, "h": h, "k": k, "phone": phone}
