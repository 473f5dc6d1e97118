"""Demo exchanges and labels (seed_demo, after the returns step): an accepted request whose label the customer
printed, a return exchanging a unit for a dearer product and one for a cheaper product, through the services.
Idempotent: does nothing when a demo exchange exists."""

from django.db.models import Exists, OuterRef

from catalog.models import Product, StockLevel, StockLocation
from invoicing.models import Invoice
from orders.exceptions import OrderError
from orders.models import Order

from .models import ReturnExchange, ReturnLabelDownload, ReturnLine, ReturnReason
from .services.decisions import return_request_accept
from .services.requests import return_request_create
from .services.return_labels import return_label_download, return_request_for_label
from .services.returns import LineInput, return_create

NOTE = "Demo exchange"


def _orders():
    """Paid, shipped demo orders with nothing returned or requested yet (their lines can still come back);
    invoiced ones first, so the dearer exchange shows its supplementary invoice."""
    invoiced = Invoice.objects.filter(order=OuterRef("pk"), kind=Invoice.Kind.DEBIT, status__in=Invoice.LIVE)
    return (
        Order.objects.filter(status=Order.Status.PLACED, external_reference__startswith="DEMO-", amount_paid__gt=0)
        .exclude(fulfillment_status=Order.FulfillmentStatus.UNFULFILLED)
        .filter(return_requests__isnull=True, returns__isnull=True)
        .select_related("customer")
        .order_by(Exists(invoiced).desc(), "placed_at", "pk")
    )


def _replacement(line, *, dearer: bool):
    """An active product with sellable stock, dearer (or cheaper) than the line's unit price."""
    in_stock = StockLevel.objects.filter(on_hand__gt=5).values("product_id")
    products = Product.objects.filter(active=True, pk__in=in_stock).exclude(pk=line.product_id)
    if dearer:
        return products.filter(unit_price__gt=line.unit_price).order_by("unit_price").first()
    return products.filter(unit_price__lt=line.unit_price).order_by("-unit_price").first()


def _accepted_with_label(order, reason) -> bool:
    line = order.lines.filter(quantity_shipped__gt=0).order_by("pk").first()
    request = return_request_create(order_id=order.pk, customer=order.customer, quantities={line.pk: 1},
                                    reason_id=reason.pk, comment="Wrong colour, sorry.")  # fmt: skip
    return_request_accept(request_id=request.pk, actor=None, note="Thank you: the label is ready to print.")
    return_label_download(request=return_request_for_label(request_id=request.pk), user=order.customer.user,
                          source=ReturnLabelDownload.Source.STOREFRONT)  # fmt: skip
    return True


def _exchange(order, reason, location, *, dearer: bool) -> bool:
    line = order.lines.filter(quantity_shipped__gt=0, product__isnull=False).order_by("pk").first()
    replacement = _replacement(line, dearer=dearer) if line else None
    if replacement is None:
        return False
    request = return_request_create(order_id=order.pk, customer=order.customer, quantities={line.pk: 1},
                                    reason_id=reason.pk, comment="Could I have another one instead?")  # fmt: skip
    return_request_accept(request_id=request.pk, actor=None)
    return_create(
        order_id=order.pk, actor=None, request_id=request.pk, note=NOTE, notify=False,
        lines=[LineInput(line.pk, 1, reason.pk, ReturnLine.Disposition.RESTOCK, location.pk,
                         exchange_product_id=replacement.pk, exchange_quantity=1)],
    )  # fmt: skip
    return True


def seed_exchanges(stdout=None) -> int:
    if ReturnExchange.objects.filter(return_line__return_record__note=NOTE).exists():
        return 0
    reason = ReturnReason.objects.filter(active=True).order_by("position", "pk").first()
    location = StockLocation.objects.filter(active=True).order_by("priority", "pk").first()
    if reason is None or location is None:
        return 0
    steps = [lambda o: _accepted_with_label(o, reason), lambda o: _exchange(o, reason, location, dearer=True),
             lambda o: _exchange(o, reason, location, dearer=False)]  # fmt: skip
    made = 0
    for order in _orders()[:20]:
        if not steps:
            break
        try:
            if steps[0](order):
                made += 1
                steps.pop(0)
        except OrderError as exc:  # an order the demo cannot use (no stock for a replacement, ...): the next one
            if stdout:
                stdout.write(f"  exchange demo skipped order {order.number}: {exc.message}")
    if stdout:
        stdout.write(f"  demo exchanges: {made} (an accepted request with its label, a dearer and a cheaper exchange)")
    return made
