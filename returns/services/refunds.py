"""Refunds: made when money is owed back, approved by finance (or at once in automatic mode), sent at most once.

- A credit invoice (a return's, or invoicing's own credit action) makes a refund of what it freed, through the
  "credit" hook invoicing runs under its order lock (`refund_on_credit`). A cancelled or reduced order's refund
  due makes its refund the same way, through the "cancel", "line_cancel", "edit" and "split" hooks the order
  core runs under its lock (`refund_due_on_reduction`), so no owed money waits for a click. What is left (an
  overpayment, an order that became refund-due before these hooks) is refunded by staff (`refund_due_settle`,
  "Refund what is owed") or by the beat's `refunds_due_sweep`. Never more than the order holds beyond what it
  needs (`refundable`: its refund due less the refunds still open), so refunded <= credited <= paid.
- The mode (shop settings) decides what happens next: automatic approves and sends on commit; batched waits for
  the day's batch (`refund_batches`); manual waits for a finance user's approval.
- Sending (`refund_execute`, from the worker) follows the three steps of at-most-once: a short transaction
  that checks the refund is approved and counts the attempt; the provider call outside any transaction, with
  the idempotency key the refund got when it was made; a short transaction that records the result. A crash
  between the call and the record leaves the refund approved: the retry calls again with the same key and
  the provider answers the first result without paying twice. Manual payouts (bank transfer, cash) are not
  sent anywhere: they wait, sent, for finance to confirm the money went out.

Locks: `order_lock(operation="refund")` (the order and its family root) first, then the refund row.
"""

import logging
import os
import time
from datetime import timedelta
from decimal import Decimal
from functools import cache, partial

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from invoicing.providers import ProviderError, ProviderTimeout, provider_get
from notifications.models import EmailKind
from oms.models import ShopSettings
from oms.money import ZERO, quantize
from oms.selects import rows_select
from orders import events as order_events
from orders.exceptions import InvalidTransition, OrderError, OrderValidationError
from orders.models import Order, OrderEvent, OrderPayment, PaymentMethod
from orders.notify import order_notify
from orders.services.locks import order_lock
from orders.services.payments import order_refund_record
from orders.services.rows import row_update

from .. import events_refunds as events
from ..models import Refund

log = logging.getLogger(__name__)
Source = OrderEvent.Source
S = Refund.Status
PERMISSION = "returns.approve_refund"


def _may(actor) -> None:
    """Only finance (or a manager) approves, sends, retries or confirms; None is the system (automatic mode)."""
    if actor is not None and not actor.has_perm(PERMISSION):
        raise PermissionDenied("You do not have permission to approve or send refunds.")


def _open_amount(order: Order) -> Decimal:
    """The order's refunds promised and not yet recorded as paid."""
    amount = Refund.objects.filter(order=order, status__in=Refund.OPEN).aggregate(s=Sum("amount"))["s"] or ZERO
    return quantize(amount)  # SQLite sums decimals as floats; exact cents on PostgreSQL


def refundable(order: Order) -> Decimal:
    """What the (locked) order may still refund: its refund due less the refunds not yet recorded as paid."""
    return max(order.refund_due - _open_amount(order), ZERO)


def _source_payment(order: Order) -> tuple[OrderPayment | None, str]:
    """The original payment to pay back and its provider's code ("manual" when no provider can refund it):
    the newest payment of the order (or of its family root, for a split order) not reversed."""
    payments = (
        OrderPayment.objects.filter(Q(order=order) | Q(order_id=order.root_id), kind=OrderPayment.Kind.PAYMENT)
        .filter(reversal__isnull=True)
        .order_by("-order_id" if order.root_id is None else "order_id", "-created_at", "-pk")
    )
    payment = payments.first()
    if payment is None:
        return None, Refund.MANUAL_PROVIDER
    code = payment.idempotency_key.split(":", 1)[0] if ":" in payment.idempotency_key else ""
    if payment.method != PaymentMethod.BANK_TRANSFER and code and provider_get(code) is not None:
        return payment, code
    return payment, Refund.MANUAL_PROVIDER


def refund_create_locked(
    *, order: Order, amount: Decimal, kind: str, credit_invoice=None, actor=None, source: str = Source.SYSTEM,
    reason: str = "",
) -> Refund | None:  # fmt: skip
    """Make the refund of `amount` (at most what the locked order may refund; None when nothing is left).

    The caller holds the order lock. Side effects: the refund row with its idempotency key, a refund_created
    event; automatic mode approves it and queues its sending after the commit."""
    if amount <= 0:
        return None  # nothing owed back: no query (the reductions ask on every change)
    amount = min(amount, refundable(order))
    if amount <= 0:
        return None
    payment, provider_code = _source_payment(order)
    mode = ShopSettings.load().refund_mode
    refund = Refund(
        order=order, kind=kind, credit_invoice=credit_invoice, amount=amount, currency=order.currency,
        payment=payment, provider_code=provider_code, method=payment.method if payment else "",
        mode=mode, reason=reason[:200], created_by=actor,
    )  # fmt: skip
    if mode == Refund.Mode.AUTOMATIC:
        refund.approve(by=None)
    refund.save()
    events.refund_created_event(refund=refund, actor=actor, source=source)
    if refund.status == S.APPROVED:
        _send_on_commit(refund.pk)
    return refund


def _send_on_commit(refund_id: int) -> None:
    from ..tasks import refund_execute_task

    transaction.on_commit(partial(refund_execute_task.delay, refund_id))


def refund_on_credit(context) -> None:
    """The "credit" hook: a credit invoice was issued for this (locked) order's lines: refund what it freed."""
    credit = context.change
    lines = credit.lines.filter(source_order=context.order).aggregate(s=Sum("gross"))["s"] or ZERO
    refund_create_locked(
        order=context.order, amount=lines, kind=Refund.Kind.CREDIT, credit_invoice=credit, actor=context.actor,
        reason=f"Credit invoice {credit.number}",
    )  # fmt: skip


REDUCTIONS = {"cancel": "order cancelled", "line_cancel": "units cancelled", "edit": "order edited",
              "split": "order split"}  # fmt: skip


def refund_due_on_reduction(context) -> None:
    """The "cancel", "line_cancel", "edit" and "split" hook (run by the order core under its order lock, in its
    transaction): the refund due the change left becomes a refund now, then as the mode says (automatic sends it
    after the commit, batched waits for the next batch, manual for approval). A change that leaves nothing owed
    back, or only what open refunds cover already, makes none (a line cancel that empties the order runs both
    "line_cancel" and "cancel": the second finds it covered)."""
    order, reason = context.order, f"Refund due: {REDUCTIONS[context.operation]}"
    refund_create_locked(order=order, amount=order.refund_due, kind=Refund.Kind.REFUND_DUE, actor=context.actor,
                         reason=reason)  # fmt: skip
    child = context.child
    if child is not None and child.refund_due > 0:
        # The split gave the new order its share of the payments (the new order is this transaction's own row).
        # Refunds still open on the original may now promise more than it owes back: that excess is money the
        # new order holds, so it is not promised twice.
        excess = max(_open_amount(order) - order.refund_due, ZERO)
        refund_create_locked(order=child, amount=child.refund_due - excess, kind=Refund.Kind.REFUND_DUE,
                             actor=context.actor, reason=reason)  # fmt: skip


@transaction.atomic
def refund_due_settle(*, order_id: int, actor, source: str = Source.ADMIN) -> Refund:
    """ "Refund what is owed": a refund of the order's refund due (less refunds still open), then as the mode says.

    No credit invoice is made: what a cancelled or reduced order owes back was never invoiced (invoicing
    refuses to reduce an invoiced order), so there is nothing to credit; the refund stands on the order's
    payment rows. Refused, changing nothing: a user without the refund permission, nothing owed back."""
    _may(actor)
    order = order_lock(order_id, operation="refund", actor=actor).order
    refund = refund_create_locked(
        order=order, amount=order.refund_due, kind=Refund.Kind.REFUND_DUE, actor=actor, source=source,
        reason="Refund due",
    )  # fmt: skip
    if refund is None:
        raise InvalidTransition(f"Order {order.number} owes nothing back that is not being refunded already.")
    return refund


def _lock(refund_id: int, *, actor, skip_locked: bool = False, order_id: int | None = None) -> Refund | None:
    """Lock the refund's order (and family root), then the refund row (the lock order). `order_id`: the
    refund's order when the caller read it already (the worker's third step), sparing the look-up."""
    if order_id is None:
        order_id = _order_of(refund_id)
    locked = order_lock(order_id, operation="refund", actor=actor, skip_locked=skip_locked)
    if locked is None:
        return None
    rows = rows_select("refund_lock", _refund_lock_query, refund_id)  # compiled once: the worker's every step
    if not rows:
        raise Refund.DoesNotExist(f"Refund {refund_id} does not exist.")
    refund = rows[0]
    refund.order = locked.order
    return refund


def _refund_lock_query(refund_id: int):
    return Refund.objects.select_for_update().filter(pk=refund_id).order_by()


def _order_query(refund_id: int):
    return Refund.objects.filter(pk=refund_id).only("order_id").order_by()


def _order_of(refund_id: int) -> int:
    rows = rows_select("refund_order", _order_query, refund_id)
    if not rows:
        raise OrderValidationError(f"Refund {refund_id} does not exist.", details={"field": "refund"})
    return rows[0].order_id


@transaction.atomic
def refund_approve(*, refund_id: int, actor, source: str = Source.ADMIN, send: bool = True) -> Refund:
    """Approve a pending refund (manual mode, or one refund of a batch); it is sent after the commit (`send`
    False: left for the sweeper, as the demo shows an approved refund). Refused, changing nothing: no
    permission, a refund that is not pending."""
    _may(actor)
    refund = _lock(refund_id, actor=actor)
    if refund.status != S.PENDING:
        raise InvalidTransition(f"Refund {refund.pk} is {refund.get_status_display().lower()}, not pending.")
    refund.approve(by=actor)
    refund.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    events.refund_approved_event(refund=refund, actor=actor, source=source)
    if send:
        _send_on_commit(refund.pk)
    return refund


@transaction.atomic
def refund_retry(*, refund_id: int, actor, source: str = Source.ADMIN) -> Refund:
    """Send a failed refund again, with its same idempotency key. Refused: no permission, not failed."""
    _may(actor)
    refund = _lock(refund_id, actor=actor)
    if refund.status != S.FAILED:
        status = refund.get_status_display().lower()
        raise InvalidTransition(f"Refund {refund.pk} is {status}; only a failed one is retried.")
    refund.retry(by=actor)
    refund.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    events.refund_retried_event(refund=refund, actor=actor, source=source)
    _send_on_commit(refund.pk)
    return refund


def _record_paid(refund: Refund, *, actor, source: str, also: tuple[str, ...] = ()) -> None:
    """The money went back: the order's refund row, the refund paid, its event and the customer's e-mail.
    `also`: fields changed before (the send) that this one save writes too (with its history, one statement)."""
    payment = order_refund_record(
        order=refund.order, amount=refund.amount, method=refund.method,
        reference=refund.provider_refund_id or f"Refund {refund.pk}", idempotency_key=refund.idempotency_key,
        actor=actor,
    )  # fmt: skip
    refund.confirm_paid(by=actor, payment=payment)
    row_update(refund, [*also, "status", "paid_at", "confirmed_by", "refund_payment", "updated_at"])
    events.refund_paid_event(refund=refund, actor=actor, source=source)
    order_notify(
        order=refund.order, kind=EmailKind.REFUND_PAID, actor=actor, source=source, lines=payment.lines,
        extra_context={"refund": {"id": refund.pk, "amount": str(refund.amount), "currency": refund.currency}},
    )  # fmt: skip


@transaction.atomic
def refund_confirm_payout(*, refund_id: int, actor, source: str = Source.ADMIN) -> Refund:
    """Finance made the bank transfer of a manual payout: record it paid. Refused: no permission, not a sent payout."""
    _may(actor)
    refund = _lock(refund_id, actor=actor)
    if refund.status != S.SENT or not refund.is_manual_payout:
        raise InvalidTransition(f"Refund {refund.pk} is not a payout waiting for confirmation.")
    _record_paid(refund, actor=actor, source=source)
    return refund


@transaction.atomic
def _start_attempt(refund_id: int, order_id: int | None = None) -> Refund | None:
    """Step 1: the refund is still approved; a manual payout becomes "sent" (finance pays it), a provider refund
    counts its attempt. Returns the refund to call the provider for, or None. `order_id`: its order, if known
    (read at approval: a refund's order never changes; the one-statement step checks it all the same)."""
    if connection.vendor == "postgresql":
        order = order_lock(order_id or _order_of(refund_id), operation="refund", actor=None).order
        refund = _count_attempt_pg(refund_id, order)
        if refund is not None:
            return refund
        # Not approved, owed less now, or a manual payout: the steps below say which (the order is locked).
    refund = _lock(refund_id, actor=None)
    if refund.status != S.APPROVED:
        return None
    owed = _owed_beyond_others(refund)
    if refund.amount > owed:
        # The order was changed after the refund was made (a payment reversed, a unit added back): paying it now
        # would send money the order no longer owes. Failed, for staff to look at; nothing left the shop.
        refund.fail(message=f"The order owes {refund.currency} {owed} back now, less than this refund.")
        refund.save(update_fields=["status", "failure", "updated_at"])
        events.refund_failed_event(refund=refund, actor=None, source=Source.SYSTEM)
        return None
    if refund.is_manual_payout:
        refund.send()
        refund.save(update_fields=["status", "sent_at", "provider_refund_id", "failure", "updated_at"])
        events.refund_sent_event(refund=refund, actor=None, source=Source.SYSTEM)
        return None
    # A counter, not a change staff read in the history: one UPDATE, no history row (the events tell the story).
    refund.attempts += 1
    refund.last_attempt_at = refund.updated_at = timezone.now()
    Refund.objects.filter(pk=refund.pk).update(
        attempts=refund.attempts, last_attempt_at=refund.last_attempt_at, updated_at=refund.updated_at
    )
    return refund


@cache
def _count_attempt_sql() -> str:
    """The common case of step 1 in one statement: lock the refund, check it is an approved provider refund
    the order still owes (`_owed_beyond_others`), count the attempt; return its row and its payment's key."""
    qn = connection.ops.quote_name
    table, payments = Refund._meta.db_table, OrderPayment._meta.db_table
    columns = ", ".join(f"r.{qn(f.column)}" for f in Refund._meta.concrete_fields)
    return (
        f"UPDATE {table} r SET attempts = r.attempts + 1, last_attempt_at = %s, updated_at = %s "  # noqa: S608
        f"WHERE r.id = %s AND r.order_id = %s AND r.status = %s AND r.provider_code <> %s "
        f"AND r.amount <= %s - COALESCE((SELECT SUM(o.amount) FROM {table} o WHERE o.order_id = r.order_id "
        f"AND (o.status = %s OR (o.status = %s AND o.attempts > 0)) AND o.id <> r.id), 0) "
        f"RETURNING {columns}, (SELECT p.idempotency_key FROM {payments} p WHERE p.id = r.payment_id)"
    )


def _count_attempt_pg(refund_id: int, order: Order) -> Refund | None:
    """Step 1 in one statement on PostgreSQL (it was four: the refund's lock, its payment, the others' sum,
    the counter); None when the refund is not such a case. The counter is no change staff read in the
    history: no history row (the events tell the story). The columns need no conversion on PostgreSQL."""
    now = timezone.now()
    params = [now, now, refund_id, order.pk, S.APPROVED, Refund.MANUAL_PROVIDER, order.refund_due, S.SENT, S.APPROVED]
    with connection.cursor() as cursor:
        cursor.execute(_count_attempt_sql(), params)
        row = cursor.fetchone()
    if row is None:
        return None
    attnames = [f.attname for f in Refund._meta.concrete_fields]
    refund = Refund.from_db(connection.alias, attnames, row[:-1])
    refund.order, refund.payment_key = order, row[-1]
    return refund


def _payment_id_at_provider(refund: Refund) -> str:
    """The original payment's id at the provider (its key after "provider:"), "" without a payment."""
    key = refund.__dict__.get("payment_key")  # read with the attempt's count (`_count_attempt_pg`)
    if key is None:
        key = refund.payment.idempotency_key if refund.payment_id else ""
    return key.split(":", 1)[1] if key else ""


def _owed_beyond_others(refund: Refund) -> Decimal:
    """What the locked order owes back beside its other refunds that may have left already (sent, or approved
    and tried: the provider may have paid them) and are not recorded as paid yet."""
    others = (
        Refund.objects.filter(order_id=refund.order_id)
        .filter(Q(status=S.SENT) | Q(status=S.APPROVED, attempts__gt=0))
        .exclude(pk=refund.pk)
        .aggregate(s=Sum("amount"))["s"]
    )
    return refund.order.refund_due - quantize(others or ZERO)


@transaction.atomic
def _finish_attempt(
    refund_id: int, *, order_id: int, refund_id_at_provider: str, message: str, succeeded: bool
) -> Refund:
    """Step 3: record what the provider said (once: a refund no longer approved was finished by another run)."""
    refund = _lock(refund_id, actor=None, order_id=order_id)
    if refund.status != S.APPROVED:
        return refund
    if not succeeded:
        refund.fail(message=message or "The provider refused the refund.")
        refund.save(update_fields=["status", "failure", "updated_at"])
        events.refund_failed_event(refund=refund, actor=None, source=Source.SYSTEM)
        return refund
    refund.send(provider_refund_id=refund_id_at_provider)
    with order_events.events_batched():  # sent and paid in one save and one insert of events
        events.refund_sent_event(refund=refund, actor=None, source=Source.SYSTEM)
        _record_paid(refund, actor=None, source=Source.SYSTEM, also=("sent_at", "provider_refund_id", "failure"))
    return refund


def _fault_point() -> None:
    """Test hook of the fault tests: pause right after the provider call so the test can kill the worker."""
    marker = os.environ.get("OMS_REFUND_FAULT_PAUSE_FILE")
    if marker:
        with open(marker, "w") as fh:
            fh.write(str(os.getpid()))
        time.sleep(120)


def refund_execute(*, refund_id: int, order_id: int | None = None) -> Refund | None:
    """Send an approved refund to its provider, at most once (see the module docstring). Idempotent: a refund
    that is not approved is left as it is. Raises ProviderTimeout (the caller retries with the same key).
    `order_id`: the refund's order when the caller knows it (a batch's chunk), sparing its look-up."""
    refund = _start_attempt(refund_id, order_id)
    if refund is None:
        return None
    provider = provider_get(refund.provider_code)
    try:
        if provider is None:
            raise ProviderError(f"The payment provider {refund.provider_code!r} is not configured.")
        result = provider.refund(
            payment_id=_payment_id_at_provider(refund), amount=refund.amount, currency=refund.currency,
            idempotency_key=refund.idempotency_key,
        )  # fmt: skip
    except ProviderTimeout:
        raise
    except ProviderError as exc:
        return _finish_attempt(
            refund_id, order_id=refund.order_id, refund_id_at_provider="", message=str(exc), succeeded=False
        )
    _fault_point()
    return _finish_attempt(
        refund_id, order_id=refund.order_id, refund_id_at_provider=result.refund_id, message=result.message,
        succeeded=result.succeeded,
    )  # fmt: skip


@transaction.atomic
def refund_mark_failed(*, refund_id: int, message: str) -> Refund | None:
    """The worker gave up (retries exhausted): an approved refund is failed, for staff to retry (same key)."""
    refund = _lock(refund_id, actor=None)
    if refund.status != S.APPROVED:
        return None
    refund.fail(message=message)
    refund.save(update_fields=["status", "failure", "updated_at"])
    events.refund_failed_event(refund=refund, actor=None, source=Source.SYSTEM)
    return refund


def refunds_sweep(*, older_than_seconds: float = 300) -> int:
    """Queue again the approved refunds whose sending was lost (broker down, worker killed): the beat's safety
    net; sending twice is harmless (the idempotency key). Returns how many were queued."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    stale = Refund.objects.filter(status=S.APPROVED).filter(
        Q(last_attempt_at__lt=cutoff) | Q(last_attempt_at__isnull=True, approved_at__lt=cutoff)
    )
    ids = list(stale.order_by("pk").values_list("pk", flat=True)[:10_000])
    refunds_enqueue(ids)
    return len(ids)


def refunds_due_sweep(*, older_than_seconds: float = 600, limit: int = 500) -> int:
    """The beat's `refunds-due-sweep`: a refund of what is owed for every order that holds money it no longer
    needs and no open refund covers it: orders that became refund-due before the reductions made their refunds
    themselves, overpayments, a payment reversed under a refund. The reductions' own refunds never wait for it.
    `older_than_seconds` leaves an order that just changed to the flow changing it. Returns how many were made."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    promised = Coalesce(Sum("refunds__amount", filter=Q(refunds__status__in=Refund.OPEN)), ZERO)
    candidates = (
        Order.objects.filter(payment_status=Order.PaymentStatus.REFUND_DUE, updated_at__lt=cutoff)
        .annotate(promised=promised)
        .filter(amount_paid__gt=F("total_gross") - F("amount_credited") + F("promised"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    made = 0
    for order_id in list(candidates[:limit]):
        made += _sweep_one(order_id)
    return made


@transaction.atomic
def _sweep_one(order_id: int) -> int:
    try:
        locked = order_lock(order_id, operation="refund", actor=None, skip_locked=True)
    except OrderError:
        return 0  # the refund operation is refused for this order now; the next sweep asks again
    if locked is None:
        return 0  # busy: its own operation is running
    order = locked.order
    refund = refund_create_locked(
        order=order, amount=order.refund_due, kind=Refund.Kind.REFUND_DUE, actor=None, source=Source.BEAT,
        reason="Refund due: found by the sweep",
    )  # fmt: skip
    return int(refund is not None)


SEND_CHUNK = 50  # refunds per task: enough to spare the broker, few enough to keep every worker thread busy


def refunds_enqueue(ids: list[int], order_ids: list[int] | None = None) -> None:
    """Queue the sending of many approved refunds, a chunk per task over one broker connection. `order_ids`
    (each refund's order, when the caller has them: a batch's approval) travel with the ids, sparing the
    worker a look-up per refund (a refund's order never changes)."""
    from ..tasks import refund_execute_many_task

    items = ids if order_ids is None else [[pk, order_id] for pk, order_id in zip(ids, order_ids, strict=True)]
    with refund_execute_many_task.app.producer_or_acquire() as producer:
        for start in range(0, len(items), SEND_CHUNK):
            refund_execute_many_task.apply_async((items[start : start + SEND_CHUNK],), producer=producer)
