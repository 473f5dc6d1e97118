"""Money received for orders: record a payment, reverse a mistaken one (invoicing will record through here).

Rules, for every path:
- An order's `amount_paid` is always the sum of its payment rows; rows are never changed or deleted.
- Recording is idempotent: a submission carries a key (the admin form's hidden token, or a provider's
  transaction id). A key seen before records nothing and returns the first payment; a unique index
  backs this when two requests race.
- A payment is at most the balance due unless staff tick "overpayment"; the order then shows the
  refund due that results. Payments need a placed order.
- A payment is dated (default today, never in the future, never before the order was created), has a
  method from `PaymentMethod` and an optional reference.
- Bounds (`oms.bounds`): one payment is 0.01 to PAYMENT_AMOUNT_MAX with at most two decimals; what the
  order then holds is at most AMOUNT_PAID_MAX (its column), so no run of overpayments can overflow it.
  Every refusal is an OrderValidationError naming the field (`details["field"]`) and changes nothing.
- A mistaken payment is reversed once, by a reversal row of the opposite amount with a reason. A
  reversal may not take the order's paid amount below zero (part of the payment moved to a split
  order: reverse there first). Reversing does not restart an expired reservation clock.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.models import EmailKind
from oms.bounds import AMOUNT_PAID_MAX, PAYMENT_AMOUNT_MAX, parse_amount, text_problem
from oms.inserts import rows_insert
from oms.money import ZERO
from oms.selects import rows_select

from .. import events, hooks
from ..exceptions import InvalidTransition, OrderNotFound, OrderValidationError
from ..models import Order, OrderEvent, OrderLine, OrderPayment, PaymentMethod
from ..notify import order_notify
from .locks import order_lock
from .rows import row_update
from .status import order_statuses_refresh

Source = OrderEvent.Source
Kind = OrderPayment.Kind
REVERSED_WEBHOOK_KIND = "payment_reversed"  # webhook "payment.reversed"; the customer gets no e-mail


def _refuse(field: str, message: str) -> OrderValidationError:
    return OrderValidationError(message, details={"field": field})


def payment_amount_clean(value) -> Decimal:
    """0.01 to PAYMENT_AMOUNT_MAX in cents (no NaN, Infinity, third decimal); anything else is refused naming
    the field. Floats and booleans are refused too: money is typed or Decimal, never binary."""
    if isinstance(value, bool | float) or not isinstance(value, Decimal | int | str):
        raise _refuse("amount", "Amount: enter a number such as 25.00.")
    try:
        return parse_amount(value, label="Amount", minimum=Decimal("0.01"), maximum=PAYMENT_AMOUNT_MAX)
    except ValidationError as error:
        raise _refuse("amount", error.messages[0]) from None


def _text_clean(value, field: str, label: str, limit: int) -> str:
    """A single line of at most `limit` characters: no control character, NUL or lone surrogate (they break
    PostgreSQL, e-mail headers and CSV exports)."""
    if not isinstance(value, str):
        raise _refuse(field, f"{label}: text expected.")
    value = value.strip()
    problem = text_problem(value, multiline=False)
    if problem or len(value) > limit:
        raise _refuse(field, f"{label}: at most {limit} characters, no control characters ({problem or 'too long'}).")
    return value


def _date_clean(value) -> date:
    """A calendar date (not a datetime: a time of day would shift it by the time zone), never in the future."""
    paid_on = timezone.localdate() if value is None else value
    if not isinstance(paid_on, date) or isinstance(paid_on, datetime):
        raise _refuse("paid_on", "Payment date: a date such as 2026-01-31.")
    if paid_on > timezone.localdate():
        raise _refuse("paid_on", "Payment date: cannot be in the future.")
    return paid_on


@dataclass(frozen=True)
class PaymentInput:
    """One submission of a payment, checked field by field (`clean`) before any row is locked."""

    amount: Decimal
    method: str
    reference: str = ""
    paid_on: date | None = None
    idempotency_key: str = ""
    allow_overpayment: bool = False

    def clean(self) -> "PaymentInput":
        if not isinstance(self.method, str) or self.method not in PaymentMethod.values:
            raise _refuse("method", f"Method: choose one of {', '.join(PaymentMethod.labels).lower()}.")
        return PaymentInput(
            amount=payment_amount_clean(self.amount),
            method=self.method,
            reference=_text_clean(self.reference or "", "reference", "Reference", 100),
            paid_on=_date_clean(self.paid_on),
            idempotency_key=_text_clean(self.idempotency_key or "", "idempotency_key", "Idempotency key", 64),
            allow_overpayment=self.allow_overpayment is True,
        )


def _replay(key: str, order_id: int, amount: Decimal) -> OrderPayment | None:
    """The payment an earlier submission with this key recorded, or None; a different payment is refused."""
    if not key:
        return None
    earlier = OrderPayment.objects.filter(idempotency_key=key).first()
    if earlier is None:
        return None
    if (earlier.order_id, earlier.amount) != (order_id, amount):
        raise _refuse("idempotency_key", "This submission was already used for a different payment.")
    earlier.replayed = True
    return earlier


def _check_payable(order: Order, data: PaymentInput) -> None:
    """What the state check (`orders.rules`, run by the lock) does not know: the date and the balance."""
    if data.paid_on < timezone.localdate(order.created_at):
        raise _refuse("paid_on", f"Payment date: cannot be before the order ({timezone.localdate(order.created_at)}).")
    if order.amount_paid + data.amount > AMOUNT_PAID_MAX:
        raise _refuse(
            "amount",
            f"Amount: order {order.number} would hold more than {order.currency} {AMOUNT_PAID_MAX} "
            f"(it holds {order.currency} {order.amount_paid}).",
        )
    if data.amount > order.balance_due and not data.allow_overpayment:
        due = max(order.balance_due, ZERO)
        raise _refuse(
            "amount",
            f"Amount: {order.currency} {data.amount} is more than the balance due ({order.currency} {due}). "
            "Tick “overpayment” to record it anyway; the difference is then owed back to the customer.",
        )


def _payment_context(order: Order, payment: OrderPayment) -> dict:
    balance = order.balance_due
    state = "open" if balance > 0 else ("refund_due" if balance < 0 else "paid")
    return {
        "payment_id": payment.pk,
        "kind": payment.kind,
        "amount": str(payment.amount),
        "method": payment.get_method_display() if payment.method else "",
        "method_code": payment.method,
        "reference": payment.reference,
        "paid_on": payment.paid_on.isoformat(),
        "reason": payment.reason,
        "amount_paid": str(order.amount_paid),
        "balance_due": str(max(balance, ZERO)),
        "refund_due": str(max(-balance, ZERO)),
        "balance_state": state,
    }


def _lines_query(order_id: int):
    return OrderLine.objects.filter(order_id=order_id)


def order_lines_read(order: Order) -> list[OrderLine]:
    """The (locked) order's lines, as `order.lines.all()` gives them, from a statement compiled once."""
    lines = rows_select("order_lines", _lines_query, order.pk)
    for line in lines:
        line.order = order
    return lines


def _apply(order: Order, delta: Decimal) -> list:
    """Move the paid amount and the statuses; returns the order's lines (read once, for the e-mail too).
    The order and its history row in one statement (`row_update`)."""
    order.amount_paid += delta
    lines = order_lines_read(order)
    changed = order_statuses_refresh(order, lines)
    if order.payment_status not in (Order.PaymentStatus.PAID, Order.PaymentStatus.REFUND_DUE) and order.paid_at:
        order.paid_at = None  # a reversal took the order back below its total
        changed.append("paid_at")
    row_update(order, ["amount_paid", *dict.fromkeys(changed), "updated_at"])
    return lines


@transaction.atomic
def order_payment_record(
    *,
    order_id: int,
    amount: Decimal,
    method: str,
    reference: str = "",
    paid_on: date | None = None,
    idempotency_key: str = "",
    allow_overpayment: bool = False,
    actor=None,
    source: str = Source.ADMIN,
) -> OrderPayment:
    """Record a payment received for a placed order.

    Lock: `order_lock(operation="payment")`, the order with its family root (no stock); the state check
    and guards refuse there (InvalidTransition). Transitions: payment status (partly paid, paid,
    refund due), a paid order stops its reservation clock. Side effects: a payment row, a
    payment_recorded event, the "payment received" e-mail and `payment.received` webhook via the outbox,
    the "payment" hooks. A key seen before returns the first payment (`payment.replayed` is True) and changes nothing.
    Refusals (OrderValidationError with `details["field"]`) change nothing.
    """
    data = PaymentInput(
        amount=amount,
        method=method,
        reference=reference,
        paid_on=paid_on,
        idempotency_key=idempotency_key,
        allow_overpayment=allow_overpayment,
    ).clean()
    replay = _replay(data.idempotency_key, order_id, data.amount)
    if replay:
        return replay
    try:
        order = order_lock(order_id, operation="payment", change=data.amount, actor=actor).order
    except Order.DoesNotExist:
        raise OrderNotFound(f"Order {order_id} does not exist.") from None
    replay = _replay(data.idempotency_key, order_id, data.amount)  # the racing request committed first
    if replay:
        return replay
    _check_payable(order, data)
    payment = _payment_create(order, data, actor)
    if payment.replayed:
        return payment
    lines = _apply(order, data.amount)
    context = _payment_context(order, payment)
    with events.events_batched():  # the payment's events, e-mail queued included, in one insert
        events.order_payment_recorded_event(
            order=order, actor=actor, source=source, payment_id=payment.pk, amount=data.amount, method=data.method,
            reference=data.reference, paid_on=data.paid_on, overpayment=order.balance_due < 0,
            balance=order.balance_due,
        )  # fmt: skip
        order_notify(
            order=order, kind=EmailKind.PAYMENT_RECEIVED, actor=actor, source=source, lines=lines,
            extra_context={"payment": context},
        )  # fmt: skip
        hooks.run_hooks(hooks.HookContext("payment", order, actor=actor, change=payment))
    return payment


def _payment_create(order: Order, data: PaymentInput, actor) -> OrderPayment:
    """Insert the row; if the same key won a race on another connection, return that payment instead."""
    try:
        with transaction.atomic():
            payment = OrderPayment.objects.create(
                order=order,
                kind=Kind.PAYMENT,
                amount=data.amount,
                paid_on=data.paid_on,
                method=data.method,
                reference=data.reference,
                idempotency_key=data.idempotency_key,
                actor=actor,
            )
    except IntegrityError:
        replay = _replay(data.idempotency_key, order.pk, data.amount)
        if replay is None:
            raise
        return replay
    payment.replayed = False
    return payment


def _reversible(order: Order, payment: OrderPayment) -> None:
    if payment.kind != Kind.PAYMENT:
        raise InvalidTransition(f"Only a payment can be reversed, not a {payment.get_kind_display().lower()} row.")
    if OrderPayment.objects.filter(reverses=payment).exists():
        raise InvalidTransition(f"Payment {payment.pk} was already reversed.")
    if order.amount_paid < payment.amount:
        raise InvalidTransition(
            f"Order {order.number} holds {order.currency} {order.amount_paid} of this {payment.amount} payment "
            "(the rest moved to a split order); reverse the payments there first."
        )


@transaction.atomic
def order_payment_reverse(*, payment_id: int, reason: str, actor=None, source: str = Source.ADMIN) -> OrderPayment:
    """Take back a mistaken payment with a reversal row (the payment itself stays); returns the reversal.

    Lock: `order_lock(operation="payment_reverse")` on the payment's order. Transitions: payment status follows the
    lower paid amount (paid back to partly paid or unpaid; paid_at cleared). Side effects: a reversal
    row, a payment_reversed event, a `payment.reversed` webhook via the outbox (no customer e-mail), the
    "payment_reverse" hooks.
    Refused, changing nothing: a blank reason, a row that is not a payment, a payment reversed before.
    """
    reason = _text_clean(reason or "", "reason", "Reason", 200)
    if not reason:
        raise _refuse("reason", "Reason: say why the payment is reversed (at most 200 characters).")
    if isinstance(payment_id, bool) or not isinstance(payment_id, int) or not 0 < payment_id < 2**63:
        raise _refuse("payment", f"Payment: '{str(payment_id)[:40]}' is not a payment id.")
    order_id = OrderPayment.objects.filter(pk=payment_id).values_list("order_id", flat=True).first()
    if order_id is None:
        raise OrderNotFound(f"Payment {payment_id} does not exist.")
    order = order_lock(order_id, operation="payment_reverse", change=payment_id, actor=actor).order
    payment = OrderPayment.objects.get(pk=payment_id)
    _reversible(order, payment)
    try:
        with transaction.atomic():
            reversal = OrderPayment.objects.create(
                order=order, kind=Kind.REVERSAL, amount=-payment.amount, method=payment.method,
                reference=payment.reference, reverses=payment, reason=reason, actor=actor,
            )  # fmt: skip
    except IntegrityError:
        raise InvalidTransition(f"Payment {payment.pk} was already reversed.") from None
    lines = _apply(order, -payment.amount)
    with events.events_batched():  # the reversal's events in one insert
        events.order_payment_reversed_event(
            order=order, actor=actor, source=source, payment_id=payment.pk, amount=payment.amount,
            reason=reason, balance=order.balance_due,
        )  # fmt: skip
        order_notify(
            order=order, kind=REVERSED_WEBHOOK_KIND, actor=actor, source=source, send_email=False, lines=lines,
            extra_context={"payment": _payment_context(order, reversal)},
        )  # fmt: skip
        hooks.run_hooks(hooks.HookContext("payment_reverse", order, actor=actor, change=reversal))
    return reversal


def order_credit_record(*, order: Order, amount: Decimal) -> list[str]:
    """A credit invoice took `amount` off what the (locked) order's customer owes: the money it holds beyond
    that is now owed back ("refund due") until a refund settles it. Called by invoicing under the order lock
    of its credit, in its transaction. Returns the order fields saved."""
    if amount <= 0:
        raise _refuse("amount", "Amount: a credit is above 0.")
    order.amount_credited += amount
    changed = order_statuses_refresh(order, list(order.lines.all()))
    order.save(update_fields=["amount_credited", *dict.fromkeys(changed), "updated_at"])
    return changed


def _keyed_query(key: str):
    return OrderPayment.objects.filter(idempotency_key=key)[:1]


def order_refund_record(
    *, order: Order, amount: Decimal, method: str, reference: str, idempotency_key: str, actor=None
) -> OrderPayment:
    """Record money paid back by a refund on the (locked) order: a negative "refund" row, the paid amount and
    statuses follow. The caller (returns) holds `order_lock(operation="refund")`, checked that the order owes
    this much back, and records the event. The key (the refund's) makes a second call return the first row.
    The row's `lines` are the order's lines as the record left them (for the caller's e-mail; None on a replay).

    Refused, changing nothing: an amount outside 0.01 .. the refund due."""
    key = f"refund:{idempotency_key}"[:64]
    earlier = next(iter(rows_select("payment_by_key", _keyed_query, key)), None)
    if earlier is not None:
        earlier.lines = None
        return earlier
    amount = payment_amount_clean(amount)
    if amount > order.refund_due:
        raise _refuse(
            "amount",
            f"Amount: order {order.number} owes {order.currency} {order.refund_due} back, not {amount}.",
        )
    payment = OrderPayment(
        order=order, kind=Kind.REFUND, amount=-amount, method=method if method in PaymentMethod.values else "",
        reference=reference[:100], idempotency_key=key, actor=actor,
    )  # fmt: skip
    rows_insert(OrderPayment, [payment])  # one plain insert (the unique key still refuses a second row)
    payment.lines = _apply(order, -amount)
    hooks.run_hooks(hooks.HookContext("refund", order, actor=actor, change=payment))
    return payment
