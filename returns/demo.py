"""Demo returns (manage.py seed_demo runs this step after the orders and invoices): requests and returns in
every disposition, made through the services. Idempotent: it does nothing when demo returns exist."""

from django.db.models import Q

from catalog.models import StockLocation
from orders.exceptions import OrderError
from orders.models import Order

from .models import Return, ReturnLine, ReturnReason, ReturnRequest
from .services.requests import return_request_create
from .services.returns import LineInput, return_create

D = ReturnLine.Disposition
NOTE = "Demo return"
# (what, disposition, from a request first, create the credit, kept as a draft)
PLAN = [
    ("requested", None, True, False, False),
    ("restock", D.RESTOCK, True, True, False),
    ("quarantine", D.QUARANTINE, False, True, False),
    ("write_off", D.WRITE_OFF, True, True, False),
    ("missing", D.MISSING, False, False, False),
    ("draft", D.RESTOCK, False, True, True),
]


def _candidates():
    """Shipped demo orders with nothing returned or requested yet, paid ones first (their returns credit)."""
    return (
        Order.objects.filter(status=Order.Status.PLACED, external_reference__startswith="DEMO-")
        .exclude(fulfillment_status=Order.FulfillmentStatus.UNFULFILLED)
        .filter(Q(return_requests__isnull=True) & Q(returns__isnull=True))
        .select_related("customer")
        .order_by("-amount_paid", "placed_at", "pk")
    )


def _one(order, what, disposition, via_request, credit, draft, reasons, location) -> bool:
    line = order.lines.filter(quantity_shipped__gt=0).order_by("pk").first()
    if line is None:
        return False
    reason = reasons[len(what) % len(reasons)]
    request = None
    if via_request:
        request = return_request_create(order_id=order.pk, customer=order.customer, quantities={line.pk: 1},
                                        reason_id=reason.pk, comment="The parcel goes back by post today.")  # fmt: skip
    if disposition is None:
        return True
    return_create(
        order_id=order.pk, actor=None, request_id=request.pk if request else None, create_credit=credit,
        lines=[LineInput(line.pk, 1, reason.pk, disposition, location.pk)], note=NOTE, notify=False, process=not draft,
    )  # fmt: skip
    return True


def seed_returns(stdout=None) -> int:
    if (
        Return.objects.filter(note=NOTE).exists()
        or ReturnRequest.objects.filter(order__external_reference__startswith="DEMO-").exists()
    ):
        return 0
    reasons = list(ReturnReason.objects.filter(active=True))
    location = StockLocation.objects.filter(active=True).order_by("priority", "pk").first()
    if not reasons or location is None:
        return 0
    made, plan = 0, list(PLAN)
    for order in _candidates()[:30]:
        if not plan:
            break
        try:
            if _one(order, *plan[0], reasons, location):
                made += 1
                plan.pop(0)
        except OrderError as exc:  # an order the demo cannot return from: try the next one
            if stdout:
                stdout.write(f"  return demo skipped order {order.number}: {exc.message}")
    if stdout:
        stdout.write(f"  demo returns: {made} (requests and returns in every disposition)")
    return made
