"""Demo refunds (manage.py seed_demo, after the invoices): one in every status and a batch under review, made
through the services from paid demo orders that nobody invoiced yet, and a refund due refunded automatically
(a unit cancelled in automatic mode: the "line_cancel" hook made the refund, approved, and sending it made the
payout that Finance confirms). The order
stories' own cancellations of paid orders made their refund due refunds already (pending, manual mode): they
stay pending, so the order list keeps its "Refund due" orders. Idempotent: nothing when demo refunds exist.
"""

from invoicing.services.credits import invoice_credit
from invoicing.services.drafts import invoice_create
from invoicing.services.issue import invoice_issue
from oms.models import ShopSettings
from orders.exceptions import OrderError
from orders.models import Order
from orders.services.cancel import order_line_cancel

from .models import Refund, RefundBatch
from .services.refund_batches import refund_batch_create
from .services.refunds import refund_approve, refund_confirm_payout, refund_execute, refund_mark_failed

REASON = "Demo refund"
STATUSES = ("pending", "approved", "sent", "paid", "failed", "batch", "batch")


def _candidates():
    return (
        Order.objects.filter(status=Order.Status.PLACED, external_reference__startswith="DEMO-", parent=None,
                             root=None, invoices__isnull=True, payment_status=Order.PaymentStatus.PAID)
        .exclude(payments__kind="reversal")  # the demo's reversal orders stay "paid by card after the reversal"
        .order_by("placed_at", "pk")
    )  # fmt: skip


def _credited(order: Order) -> Refund | None:
    """Invoice the order, then credit a part of it: the "credit" hook makes the refund."""
    invoice = invoice_create(order_id=order.pk, note="Demo invoice (refunded in part).")
    invoice = invoice_issue(invoice_id=invoice.pk)
    line = invoice.lines.filter(kind="item").order_by("position").first()
    invoice_credit(invoice_id=invoice.pk, quantities={line.pk: 1}, reason=f"{REASON}: one item came back")
    return Refund.objects.filter(order=order).order_by("-pk").first()


def _one(order: Order, what: str) -> None:
    refund = _credited(order)
    if refund is None or what in ("pending", "batch"):
        return
    if what == "approved":
        refund_approve(refund_id=refund.pk, actor=None, send=False)
    elif what == "failed":
        refund_approve(refund_id=refund.pk, actor=None, send=False)
        refund_mark_failed(refund_id=refund.pk, message="The provider could not be reached; retry it.")
    else:  # sent, paid: a provider refund is paid at once; a manual payout waits, sent, for confirmation
        _pay(refund.pk, confirm=what == "paid")


def _pay(refund_id: int, *, confirm: bool = True) -> None:
    refund_approve(refund_id=refund_id, actor=None, send=False)
    refund_execute(refund_id=refund_id)
    if confirm and Refund.objects.filter(pk=refund_id, status=Refund.Status.SENT).exists():
        refund_confirm_payout(refund_id=refund_id, actor=None)


def demo_refunds(stdout=None) -> int:
    if RefundBatch.objects.exists():  # the step ends with a batch: made before
        return 0
    for refund_id in Refund.objects.filter(status="pending", kind=Refund.Kind.CREDIT).values_list("pk", flat=True):
        _pay(refund_id)  # refunds of earlier demo steps (the invoicing demo's credit) are paid back
    shop = ShopSettings.load()
    mode = shop.refund_mode
    made = 0
    candidates = list(_candidates()[: len(STATUSES) + 1])
    if len(candidates) > len(STATUSES):
        made += _automatic_refund_due(candidates.pop(), shop, stdout)
    for order, what in zip(candidates, STATUSES, strict=False):
        shop.refund_mode = ShopSettings.RefundMode.BATCHED if what == "batch" else ShopSettings.RefundMode.MANUAL
        shop.save()
        try:
            _one(order, what)  # each service its own transaction (the provider is never called inside one)
            made += 1
        except OrderError as error:
            if stdout:
                stdout.write(f"Demo refund ({what}) skipped: {error.message}")
    shop.refund_mode = mode
    shop.save()
    refund_batch_create()
    return made


def _automatic_refund_due(order: Order, shop: ShopSettings, stdout) -> int:
    """Automatic mode: one unit of a paid order cancelled; its refund due is refunded without anyone's click."""
    shop.refund_mode = ShopSettings.RefundMode.AUTOMATIC
    shop.save()
    lines = [line for line in order.lines.order_by("position") if line.quantity_open >= 1]
    line = next((line for line in lines if line.quantity_active > 1), lines[0] if lines else None)
    if line is None:
        return 0
    try:
        order_line_cancel(order_id=order.pk, line_id=line.pk, quantity=1, reason="Demo: out of stock, refunded at once")
    except OrderError as error:
        if stdout:
            stdout.write(f"Demo automatic refund skipped: {error.message}")
        return 0
    for refund in Refund.objects.filter(order=order, status=Refund.Status.APPROVED):
        refund_execute(refund_id=refund.pk)  # sent after the commit already when tasks run in-process
    return 1
