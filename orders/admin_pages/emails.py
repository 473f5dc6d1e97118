"""The order's E-mails tab: every message queued or sent about the order, and a form to write one."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse

from notifications.selectors import message_list_for_topic
from notifications.services import email_resend
from notifications.services.rendering import messages_with_subject_preview

from ..notify import order_email_customer
from . import OrderPage, register
from .rendering import render_order_page


class CustomerEmailForm(forms.Form):
    subject = forms.CharField(max_length=200)
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 8, "cols": 80}))


def _resend(request, order) -> HttpResponseRedirect:
    """Staff resend a failed e-mail of this order (e.g. after fixing the template that failed it)."""
    if not request.user.has_perm("notifications.resend_message"):
        raise PermissionDenied
    ids = message_list_for_topic(topic="order", topic_id=order.pk).values_list("pk", flat=True)
    message_id = int(request.POST["resend"]) if request.POST["resend"].isdigit() else None
    if message_id in set(ids):
        message = email_resend(message_id=message_id, actor=request.user)
        messages.success(request, f"E-mail to {message.to} queued again.")
    return HttpResponseRedirect(reverse("admin:orders_order_page", args=[order.pk, "emails"]))


def emails_view(request, order, model_admin):
    can_write = request.user.has_perm("orders.email_customer")
    form = CustomerEmailForm()
    if request.method == "POST" and "resend" in request.POST:
        return _resend(request, order)
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied
        form = CustomerEmailForm(request.POST)
        if form.is_valid():
            order_email_customer(order_id=order.pk, actor=request.user, **form.cleaned_data)
            messages.success(request, f"E-mail to {order.customer.email} queued.")
            return HttpResponseRedirect(reverse("admin:orders_order_page", args=[order.pk, "emails"]))
    return render_order_page(
        request,
        order,
        model_admin,
        slug="emails",
        title="E-mails",
        template="admin/orders/order/emails.html",
        context={
            "email_messages": messages_with_subject_preview(message_list_for_topic(topic="order", topic_id=order.pk)),
            "form": form,
            "can_write": can_write,
            "can_resend": request.user.has_perm("notifications.resend_message"),
            "to_email": order.customer.email,
        },
    )


register(OrderPage(slug="emails", label="E-mails", view=emails_view, position=100))
