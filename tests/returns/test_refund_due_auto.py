"""The order core's refund due makes its refund by itself: cancel, line cancel, edit (reduce) and split leave a
refund of kind "refund due" in their own transaction (the orders hooks), then the mode decides."""

from decimal import Decimal

import pytest

from invoicing.models import LocalProviderRefund
from oms.models import ShopSettings
from orders.exceptions import InvalidTransition
from orders.models import Order, OrderEvent, OrderPayment, SplitReason
from orders.services.cancel import order_cancel, order_line_cancel
from orders.services.edit import EditChanges, order_edit_commit
from orders.services.payments import order_payment_record, order_payment_reverse
from orders.services.split import order_split
from returns.models import Refund
from returns.services.refund_batches import refund_batch_approve, refund_batch_create
from returns.services.refunds import refund_approve, refund_due_settle, refunds_due_sweep
from tests import factories

pytestmark = pytest.mark.django_db
Mode = ShopSettings.RefundMode


@pytest.fixture
def paid_mugs(place_order, product, location):
    """paid_mugs(units) -> a placed order of `units` mugs at 12.50 (no shipping), paid in full online, not invoiced."""

    def _make(units: int = 4) -> Order:
        factories.stock(product, location, 50)
        order = place_order([(product, units)])
        order_payment_record(
            order_id=order.pk, amount=order.total_gross, method="card", idempotency_key=f"local:pay-{order.pk}"
        )
        order.refresh_from_db()
        return order

    return _make


def _refunds(order) -> list[tuple]:
    return list(
        Refund.objects.filter(order=order).order_by("pk").values_list("kind", "status", "amount", "mode", "reason")
    )


def _money(order) -> tuple:
    order.refresh_from_db()
    return order.amount_paid, order.payment_status, order.refund_due


def test_manual_mode_a_cancelled_paid_order_gets_a_pending_refund_due_refund_at_once(paid_mugs, refund_mode, desk):
    # given
    refund_mode(Mode.MANUAL)
    order = paid_mugs(2)
    # when: the order desk cancels it (no refund permission needed: the system makes the refund)
    order_cancel(order_id=order.pk, actor=desk, reason="Customer changed their mind")
    # then: one refund of what is owed, waiting for finance; no money moved yet
    assert _refunds(order) == [("refund_due", "pending", Decimal("25.00"), "manual", "Refund due: order cancelled")]
    refund = Refund.objects.get(order=order)
    assert (refund.provider_code, refund.payment.idempotency_key, refund.created_by) == ("local", order.payments.get(
        kind="payment").idempotency_key, desk)  # fmt: skip
    assert _money(order) == (Decimal("25.00"), Order.PaymentStatus.REFUND_DUE, Decimal("25.00"))
    event = OrderEvent.objects.get(order=order, type="refund_created")
    assert event.parameters["amount"] == "25.00" and "Refund due: order cancelled" in event.parameters["details"]
    assert LocalProviderRefund.objects.count() == 0


def test_refund_what_is_owed_after_the_automatic_refund_is_refused_and_changes_nothing(
    paid_mugs, refund_mode, finance, django_capture_on_commit_callbacks
):
    # given: automatic mode; the cancellation's refund was sent and paid after the commit
    refund_mode(Mode.AUTOMATIC)
    order = paid_mugs(2)
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order_id=order.pk, actor=None, reason="Out of stock")
    assert _refunds(order) == [("refund_due", "paid", Decimal("25.00"), "automatic", "Refund due: order cancelled")]
    before = (_money(order), _refunds(order), OrderEvent.objects.count(), OrderPayment.objects.count())
    # when finance clicks "Refund what is owed" (twice)
    for _ in range(2):
        with pytest.raises(InvalidTransition, match="owes nothing back"):
            refund_due_settle(order_id=order.pk, actor=finance)
    # then nothing changed, and the money left once
    assert (_money(order), _refunds(order), OrderEvent.objects.count(), OrderPayment.objects.count()) == before
    assert _money(order) == (Decimal("0.00"), Order.PaymentStatus.UNPAID, Decimal("0.00"))
    assert LocalProviderRefund.objects.count() == 1


def test_settle_while_the_automatic_refund_is_pending_is_refused_too(paid_mugs, refund_mode, finance):
    # given: manual mode; a cancellation made its pending refund
    refund_mode(Mode.MANUAL)
    order = paid_mugs(2)
    order_cancel(order_id=order.pk, actor=None, reason="Out of stock")
    events = OrderEvent.objects.count()
    # when / then: the refund due is covered already
    with pytest.raises(InvalidTransition):
        refund_due_settle(order_id=order.pk, actor=finance)
    assert (Refund.objects.count(), OrderEvent.objects.count()) == (1, events)


def test_automatic_mode_an_edit_that_reduces_a_paid_order_sends_the_difference_once(
    paid_mugs, refund_mode, django_capture_on_commit_callbacks
):
    # given: 4 mugs (50.00) paid
    refund_mode(Mode.AUTOMATIC)
    order = paid_mugs(4)
    line = order.lines.get()
    # when: edited down to 1 mug
    with django_capture_on_commit_callbacks(execute=True):
        order_edit_commit(
            order_id=order.pk, changes=EditChanges(quantities={line.pk: 1}), base_version=order.version, actor=None
        )
    # then: 37.50 refunded through the provider, recorded as a refund row, the order paid again
    assert _refunds(order) == [("refund_due", "paid", Decimal("37.50"), "automatic", "Refund due: order edited")]
    assert LocalProviderRefund.objects.get().amount == Decimal("37.50")
    assert list(order.payments.filter(kind="refund").values_list("amount", flat=True)) == [Decimal("-37.50")]
    assert _money(order) == (Decimal("12.50"), Order.PaymentStatus.PAID, Decimal("0.00"))


def test_batched_mode_a_line_cancel_refund_waits_for_the_next_batch_and_is_paid_when_it_is_approved(
    paid_mugs, refund_mode, finance, django_capture_on_commit_callbacks
):
    # given
    refund_mode(Mode.BATCHED)
    order = paid_mugs(4)
    line = order.lines.get()
    # when: one unit cancelled
    order_line_cancel(order_id=order.pk, line_id=line.pk, quantity=1, actor=None, reason="Broken")
    # then: a batched refund waits, in no batch yet
    refund = Refund.objects.get(order=order)
    assert (refund.kind, refund.status, refund.amount, refund.mode, refund.batch) == (
        "refund_due", "pending", Decimal("12.50"), "batched", None,
    )  # fmt: skip
    # when: the day's batch is made and approved
    batch = refund_batch_create()
    assert list(batch.refunds.values_list("pk", flat=True)) == [refund.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert refund_batch_approve(batch_id=batch.pk, actor=finance) == 1
    # then
    refund.refresh_from_db()
    assert refund.status == "paid"
    assert _money(order) == (Decimal("37.50"), Order.PaymentStatus.PAID, Decimal("0.00"))


def test_a_line_cancel_that_empties_the_order_makes_one_refund(paid_mugs, refund_mode):
    # given: the "line_cancel" and then the "cancel" hooks both run
    refund_mode(Mode.MANUAL)
    order = paid_mugs(2)
    line = order.lines.get()
    # when
    order_line_cancel(order_id=order.pk, line_id=line.pk, quantity=2, actor=None)
    # then
    assert _refunds(order) == [("refund_due", "pending", Decimal("25.00"), "manual", "Refund due: units cancelled")]


def test_an_unpaid_order_cancelled_makes_no_refund(place_order, product, location, refund_mode):
    refund_mode(Mode.AUTOMATIC)
    factories.stock(product, location, 5)
    order = place_order([(product, 2)])
    order_cancel(order_id=order.pk, actor=None)
    assert Refund.objects.count() == 0


def test_a_split_of_an_overpaid_order_refunds_each_part_what_it_holds_beyond_its_total(
    place_order, product, location, refund_mode
):
    # given: 4 mugs (50.00) paid 60.00: 10.00 owed back, and refunded already (pending)
    refund_mode(Mode.MANUAL)
    factories.stock(product, location, 10)
    order = place_order([(product, 4)])
    order_payment_record(order_id=order.pk, amount=Decimal("60.00"), method="card", idempotency_key="local:over",
                         allow_overpayment=True)  # fmt: skip
    first = refund_due_settle(order_id=order.pk, actor=None, source="system")
    line = order.lines.get()
    # when: 2 mugs are split off; the payments are shared 30.00 / 30.00, each part owes 5.00 back
    child = order_split(order_id=order.pk, quantities={line.pk: 2}, reason=SplitReason.values[0], actor=None)
    # then: the pending 10.00 on the original covers its 5.00 and the new order's 5.00: nothing promised twice
    assert (_money(order)[2], _money(child)[2]) == (Decimal("5.00"), Decimal("5.00"))
    assert list(Refund.objects.values_list("pk", flat=True)) == [first.pk]


def test_a_split_of_an_overpaid_order_with_nothing_refunded_yet_refunds_both_parts(
    place_order, product, location, refund_mode
):
    # given: 4 mugs (50.00) paid 60.00, the 10.00 not refunded yet (a payment before the hooks, say)
    refund_mode(Mode.MANUAL)
    factories.stock(product, location, 10)
    order = place_order([(product, 4)])
    order_payment_record(order_id=order.pk, amount=Decimal("60.00"), method="card", idempotency_key="local:over",
                         allow_overpayment=True)  # fmt: skip
    line = order.lines.get()
    # when
    child = order_split(order_id=order.pk, quantities={line.pk: 2}, reason=SplitReason.values[0], actor=None)
    # then: each part's own refund, 5.00 + 5.00, from the family's payment
    assert _refunds(order) == [("refund_due", "pending", Decimal("5.00"), "manual", "Refund due: order split")]
    assert _refunds(child) == [("refund_due", "pending", Decimal("5.00"), "manual", "Refund due: order split")]
    assert Refund.objects.get(order=child).payment.idempotency_key == "local:over"


def test_a_refund_no_longer_owed_when_it_is_sent_fails_without_calling_the_provider(
    paid_mugs, refund_mode, finance, django_capture_on_commit_callbacks
):
    # given: a pending refund of a cancellation, then the payment is reversed (a chargeback): nothing is owed
    refund_mode(Mode.MANUAL)
    order = paid_mugs(2)
    order_cancel(order_id=order.pk, actor=None)
    payment = order.payments.get(kind="payment")
    order_payment_reverse(payment_id=payment.pk, actor=None, reason="Chargeback")
    refund = Refund.objects.get()
    # when finance approves it
    with django_capture_on_commit_callbacks(execute=True):
        refund_approve(refund_id=refund.pk, actor=finance)
    # then: failed, no money left the shop, nothing recorded
    refund.refresh_from_db()
    assert (refund.status, refund.attempts) == ("failed", 0)
    assert refund.failure == f"The order owes {order.currency} 0.00 back now, less than this refund."
    assert LocalProviderRefund.objects.count() == 0
    assert not OrderPayment.objects.filter(kind="refund").exists()


def test_the_sweep_refunds_what_no_refund_covers_once(paid_mugs, refund_mode):
    from orders import hooks

    # given: an order that became refund-due without a refund (as before the hooks existed)
    refund_mode(Mode.MANUAL)
    order = paid_mugs(2)
    saved = {op: hooks._hooks[op].pop("returns.refund_due") for op in ("cancel",)}
    try:
        order_cancel(order_id=order.pk, actor=None)
    finally:
        for op, entry in saved.items():
            hooks._hooks[op]["returns.refund_due"] = entry
    assert Refund.objects.count() == 0
    # when the sweep runs (twice)
    made = [refunds_due_sweep(older_than_seconds=0), refunds_due_sweep(older_than_seconds=0)]
    # then: one refund, made by the scheduler
    assert made == [1, 0]
    assert _refunds(order) == [("refund_due", "pending", Decimal("25.00"), "manual", "Refund due: found by the sweep")]
    assert OrderEvent.objects.get(order=order, type="refund_created").source == "beat"
