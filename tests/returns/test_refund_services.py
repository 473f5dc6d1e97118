"""Refunds: made by credit invoices and refund dues, approved per mode, sent once through the provider."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from invoicing.models import LocalProviderRefund
from notifications.models import EmailKind, Message
from oms.models import ShopSettings
from orders.exceptions import InvalidTransition
from orders.models import Order, OrderEvent, OrderPayment
from returns.models import Refund
from returns.services.refunds import (
    refund_approve,
    refund_confirm_payout,
    refund_due_settle,
    refund_execute,
    refund_retry,
)

pytestmark = pytest.mark.django_db
Mode = ShopSettings.RefundMode


def _state(order):
    order.refresh_from_db()
    return order.amount_paid, order.amount_credited, order.payment_status


def test_a_credit_invoice_makes_a_pending_refund_in_manual_mode_and_the_order_shows_the_refund_due(
    paid_order, credit, refund_mode
):
    # given
    refund_mode(Mode.MANUAL)
    order, invoice = paid_order
    # when
    crn = credit("10.00")
    # then
    refund = Refund.objects.get(order=order)
    assert (refund.status, refund.amount, refund.credit_invoice_id, refund.mode) == (
        "pending",
        Decimal("10.00"),
        crn.pk,
        "manual",
    )
    assert (refund.provider_code, refund.payment.idempotency_key) == ("local", "local:pay-1")
    assert refund.idempotency_key.startswith("refund-")
    assert _state(order) == (Decimal("30.00"), Decimal("10.00"), Order.PaymentStatus.REFUND_DUE)
    assert order.refund_due == Decimal("10.00")
    assert OrderEvent.objects.filter(order=order, type="refund_created").count() == 1
    assert LocalProviderRefund.objects.count() == 0


def test_finance_approves_and_the_refund_is_paid_once_through_the_provider(
    paid_order, credit, refund_mode, finance, django_capture_on_commit_callbacks
):
    # given
    refund_mode(Mode.MANUAL)
    order, _ = paid_order
    credit("10.00")
    refund = Refund.objects.get(order=order)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        refund_approve(refund_id=refund.pk, actor=finance)
    # then: paid, the order's refund row recorded, the order settled
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PAID
    assert (refund.approved_by, refund.attempts) == (finance, 1)
    taken = LocalProviderRefund.objects.get()
    assert (taken.idempotency_key, taken.amount, taken.payment_id) == (
        refund.idempotency_key,
        Decimal("10.00"),
        "pay-1",
    )
    assert refund.provider_refund_id == taken.refund_id
    row = refund.refund_payment
    assert (row.kind, row.amount) == (OrderPayment.Kind.REFUND, Decimal("-10.00"))
    assert _state(order) == (Decimal("20.00"), Decimal("10.00"), Order.PaymentStatus.PAID)
    types = list(OrderEvent.objects.filter(order=order, type__startswith="refund_").values_list("type", flat=True))
    assert types == ["refund_created", "refund_approved", "refund_sent", "refund_paid"]
    assert Message.objects.filter(topic_id=order.pk, kind=EmailKind.REFUND_PAID).count() == 1
    # when the task runs again (a duplicate delivery): nothing changes
    assert refund_execute(refund_id=refund.pk) is None
    assert LocalProviderRefund.objects.count() == 1
    assert OrderPayment.objects.filter(order=order, kind="refund").count() == 1


def test_a_clerk_cannot_approve_retry_or_confirm_and_nothing_changes(paid_order, credit, refund_mode, desk):
    # given
    refund_mode(Mode.MANUAL)
    credit("10.00")
    refund = Refund.objects.get()
    events = OrderEvent.objects.count()
    # when / then
    for service in (refund_approve, refund_retry, refund_confirm_payout):
        with pytest.raises(PermissionDenied):
            service(refund_id=refund.pk, actor=desk)
    with pytest.raises(PermissionDenied):
        refund_due_settle(order_id=paid_order[0].pk, actor=desk)
    refund.refresh_from_db()
    assert (refund.status, refund.approved_by) == ("pending", None)
    assert OrderEvent.objects.count() == events


def test_automatic_mode_sends_the_refund_as_soon_as_the_credit_invoice_exists(
    paid_order, credit, refund_mode, django_capture_on_commit_callbacks
):
    # given
    refund_mode(Mode.AUTOMATIC)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        credit("30.00")
    # then
    refund = Refund.objects.get()
    assert (refund.status, refund.amount, refund.approved_by) == ("paid", Decimal("30.00"), None)
    assert _state(paid_order[0]) == (Decimal("0.00"), Decimal("30.00"), Order.PaymentStatus.PAID)


def test_a_bank_transfer_is_refunded_as_a_payout_that_finance_confirms(
    place_order, product, location, staff, finance, refund_mode, django_capture_on_commit_callbacks
):
    from invoicing.services.credits import invoice_credit
    from tests import factories
    from tests.invoicing.helpers import issued, pay

    # given: an order paid by bank transfer and credited
    refund_mode(Mode.MANUAL)
    factories.stock(product, location, 10)
    order = place_order([(product, 2)])
    invoice = issued(order, staff)
    pay(order, order.total_gross)
    invoice_credit(invoice_id=invoice.pk, actor=staff, amount=Decimal("5.00"), reason="Goodwill")
    refund = Refund.objects.get()
    assert refund.provider_code == Refund.MANUAL_PROVIDER
    # when finance approves: the payout waits, sent, for confirmation
    with django_capture_on_commit_callbacks(execute=True):
        refund_approve(refund_id=refund.pk, actor=finance)
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SENT
    assert OrderPayment.objects.filter(kind="refund").count() == 0
    # when finance confirms the transfer was made
    refund_confirm_payout(refund_id=refund.pk, actor=finance)
    # then
    refund.refresh_from_db()
    assert (refund.status, refund.confirmed_by) == ("paid", finance)
    assert _state(order)[2] == Order.PaymentStatus.PAID
    with pytest.raises(InvalidTransition):
        refund_confirm_payout(refund_id=refund.pk, actor=finance)
    assert OrderPayment.objects.filter(kind="refund").count() == 1
    assert LocalProviderRefund.objects.count() == 0


def test_a_provider_that_times_out_after_taking_the_money_pays_once(paid_order, credit, refund_mode, settings):
    from invoicing.providers import ProviderTimeout

    # given: an approved refund; the provider pays out, then its answer is lost
    refund_mode(Mode.AUTOMATIC)
    credit("12.50")  # (its on-commit send is not run here: the test makes the calls)
    refund = Refund.objects.get()
    settings.OMS_PAYMENT_PROVIDER_OPTIONS = {"local": {"refund_timeout_after_take": True}}
    # when: the first call times out after taking the money
    with pytest.raises(ProviderTimeout):
        refund_execute(refund_id=refund.pk)
    refund.refresh_from_db()
    assert (refund.status, refund.attempts) == ("approved", 1)
    assert LocalProviderRefund.objects.count() == 1
    # when: the retry calls again with the same key
    refund_execute(refund_id=refund.pk)
    # then: the provider answered the first result; the money left once and was recorded once
    refund.refresh_from_db()
    assert (refund.status, refund.attempts) == ("paid", 2)
    assert LocalProviderRefund.objects.count() == 1
    assert LocalProviderRefund.objects.get().refund_id == refund.provider_refund_id
    assert OrderPayment.objects.filter(kind="refund").count() == 1


def test_a_declined_refund_fails_and_staff_retry_it_with_the_same_key(
    paid_order, credit, refund_mode, finance, settings, django_capture_on_commit_callbacks
):
    # given: the provider declines
    refund_mode(Mode.MANUAL)
    credit("10.00")
    refund = Refund.objects.get()
    key = refund.idempotency_key
    settings.OMS_PAYMENT_PROVIDER_OPTIONS = {"local": {"refund_decline": True}}
    with django_capture_on_commit_callbacks(execute=True):
        refund_approve(refund_id=refund.pk, actor=finance)
    refund.refresh_from_db()
    assert (refund.status, refund.failure) == ("failed", "The provider declined the refund.")
    assert _state(paid_order[0])[2] == Order.PaymentStatus.REFUND_DUE
    # when the provider accepts again and finance retries
    settings.OMS_PAYMENT_PROVIDER_OPTIONS = {"local": {}}
    with django_capture_on_commit_callbacks(execute=True):
        refund_retry(refund_id=refund.pk, actor=finance)
    # then
    refund.refresh_from_db()
    assert (refund.status, refund.idempotency_key, refund.failure) == ("paid", key, "")
    with pytest.raises(InvalidTransition):
        refund_retry(refund_id=refund.pk, actor=finance)


def test_a_cancelled_orders_refund_due_makes_its_refund_and_finance_approves_it(
    place_order, product, location, finance, refund_mode, django_capture_on_commit_callbacks
):
    from orders.services.cancel import order_cancel
    from orders.services.payments import order_payment_record
    from tests import factories

    # given: an order paid online, never invoiced, then cancelled: it holds its whole payment, and the
    # cancellation made the refund of it (the "cancel" hook)
    refund_mode(Mode.MANUAL)
    factories.stock(product, location, 10)
    order = place_order([(product, 2)])
    order_payment_record(order_id=order.pk, amount=order.total_gross, method="card", idempotency_key="local:p9")
    order_cancel(order_id=order.pk, actor=None, reason="Customer changed their mind")
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.REFUND_DUE
    refund = Refund.objects.get(order=order)
    # when "Refund what is owed" is clicked anyway, and finance approves the refund
    with pytest.raises(InvalidTransition):  # the cancellation's refund covers it all
        refund_due_settle(order_id=order.pk, actor=finance)
    with django_capture_on_commit_callbacks(execute=True):
        refund_approve(refund_id=refund.pk, actor=finance)
    # then
    refund.refresh_from_db()
    assert (refund.kind, refund.credit_invoice, refund.status, refund.amount) == (
        "refund_due", None, "paid", Decimal("25.00"),
    )  # fmt: skip
    assert _state(order) == (Decimal("0.00"), Decimal("0.00"), Order.PaymentStatus.UNPAID)
    assert order.refund_due == 0


def test_refund_what_is_owed_refunds_an_overpayment(place_order, product, location, finance, refund_mode):
    from orders.services.payments import order_payment_record
    from tests import factories

    # given: 25.00 ordered, 30.00 paid (no reduction made a refund)
    refund_mode(Mode.MANUAL)
    factories.stock(product, location, 10)
    order = place_order([(product, 2)])
    order_payment_record(order_id=order.pk, amount=Decimal("30.00"), method="card", idempotency_key="local:p8",
                         allow_overpayment=True)  # fmt: skip
    assert Refund.objects.count() == 0
    # when
    refund = refund_due_settle(order_id=order.pk, actor=finance)
    # then
    assert (refund.kind, refund.status, refund.amount) == ("refund_due", "pending", Decimal("5.00"))
    with pytest.raises(InvalidTransition):  # asked twice: the first refund covers it all
        refund_due_settle(order_id=order.pk, actor=finance)
    assert Refund.objects.count() == 1


def test_a_credit_of_an_unpaid_part_makes_no_refund(place_order, product, location, staff, refund_mode):
    from invoicing.services.credits import invoice_credit
    from tests import factories
    from tests.invoicing.helpers import issued, pay

    # given: 25.00 invoiced, 15.00 paid
    refund_mode(Mode.MANUAL)
    factories.stock(product, location, 10)
    order = place_order([(product, 2)])
    invoice = issued(order, staff)
    pay(order, Decimal("15.00"))
    # when 10.00 is credited: the customer owes less, the money stays on the invoice
    invoice_credit(invoice_id=invoice.pk, actor=staff, amount=Decimal("10.00"), reason="Discount")
    # then: nothing is owed back, no refund
    assert Refund.objects.count() == 0
    assert _state(order) == (Decimal("15.00"), Decimal("10.00"), Order.PaymentStatus.PAID)
