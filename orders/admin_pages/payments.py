"""Payments of one order: the Payments tab (payments and reversals, Reverse for Finance) and Record payment.

Both call one service each; a refusal naming a field is shown on that field and changes nothing.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from .. import hooks
from ..exceptions import OrderError
from ..forms import PaymentRecordForm, PaymentReverseForm
from ..models import OrderEvent, OrderPayment
from ..selectors.payments import order_payments_for_staff
from ..services.payments import order_payment_record, order_payment_reverse
from . import OrderPage, register
from .rendering import render_order_page

ADMIN = OrderEvent.Source.ADMIN
TAB = "payments"


def _refused_now(request, order):
    """Payments are not possible now: say why (the sentence the service would give) and go back."""
    allowed, reason = hooks.may(request.user, "payment", order)
    if allowed:
        return None
    messages.error(request, reason)
    return redirect("admin:orders_order_change", order.pk)


def _refused(request, form, exc: OrderError) -> None:
    """Show a domain refusal on its field when it names one of the form's fields, else as a message."""
    field = exc.details.get("field") if isinstance(exc.details, dict) else None
    if field in form.fields and field != "idempotency_key":
        form.add_error(field, exc.message.split(": ", 1)[-1])
    else:
        messages.error(request, exc.message)


def payment_view(request, order, model_admin):
    if request.method == "GET" and (refused := _refused_now(request, order)):
        return refused
    form = PaymentRecordForm(request.POST or None, initial={"amount": max(order.balance_due, 0)})
    if request.method == "POST" and form.is_valid():
        try:
            payment = order_payment_record(
                order_id=order.pk, actor=request.user, source=ADMIN, **form.service_arguments()
            )
        except OrderError as exc:
            _refused(request, form, exc)
        else:
            if payment.replayed:
                messages.warning(request, "This payment was already recorded; the repeated submission added nothing.")
            else:
                messages.success(request, f"A payment of {order.currency} {payment.amount} was recorded.")
            return redirect("admin:orders_order_page", order.pk, TAB)
    intro = f"Total {order.currency} {order.total_gross}, paid {order.currency} {order.amount_paid}, "
    intro += f"balance due {order.currency} {max(order.balance_due, 0)}."
    return render_order_page(
        request,
        order,
        model_admin,
        slug="payment",
        title="Record payment",
        template="admin/orders/order/action_form.html",
        context={"form": form, "submit": "Record payment", "intro": intro},
    )


def _reverse(request, order, form) -> bool:
    if not request.user.has_perm("orders.reverse_payment"):
        raise PermissionDenied
    if not form.is_valid():
        return False
    payment_id = form.cleaned_data["payment"]
    if not OrderPayment.objects.filter(pk=payment_id, order=order).exists():
        messages.error(request, "That payment does not belong to this order.")
        return False
    try:
        reversal = order_payment_reverse(
            payment_id=payment_id, reason=form.cleaned_data["reason"], actor=request.user, source=ADMIN
        )
    except OrderError as exc:
        _refused(request, form, exc)
        return False
    messages.success(request, f"Payment of {order.currency} {-reversal.amount} was reversed.")
    return True


def payments_view(request, order, model_admin):
    """List payments and reversals; `?reverse=<id>` shows the reason form for one payment (Finance)."""
    form = None
    if request.method == "POST":
        form = PaymentReverseForm(request.POST)
        if _reverse(request, order, form):
            return redirect("admin:orders_order_page", order.pk, TAB)
    may_reverse = request.user.has_perm("orders.reverse_payment")
    payments = order_payments_for_staff(order=order)
    reversing = request.GET.get("reverse", "")
    if form is None and may_reverse and reversing.isdigit():
        form = PaymentReverseForm(initial={"payment": int(reversing)})
    target_id = int(form["payment"].value()) if form is not None and str(form["payment"].value()).isdigit() else None
    context = {
        "payments": payments,
        "refund_due": max(-order.balance_due, 0),
        "may_reverse": may_reverse,
        "reverse_form": form,
        "reverse_target": next((p for p in payments if p.pk == target_id), None),
    }
    return render_order_page(
        request, order, model_admin, slug=TAB, title="Payments", template="admin/orders/order/payments.html",
        context=context,
    )  # fmt: skip


register(
    OrderPage(
        "payment",
        "Record payment",
        payment_view,
        permission=hooks.OPERATIONS["payment"][0],
        tab=False,
        position=30,
        operation="payment",
    )
)
register(OrderPage(TAB, "Payments", payments_view, permission="orders.view_orderpayment", position=45))
