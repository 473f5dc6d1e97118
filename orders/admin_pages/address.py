"""Change address: the billing or shipping address of a placed order, as its own action (not an edit)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django_countries import countries

from .. import hooks
from ..exceptions import OrderError
from ..models import ADDRESS_PARTS, Order
from ..services.addresses import order_address_change
from . import OrderPage, register
from .rendering import render_order_page

SLUG = "address"
KIND_LABELS = {"billing": "Billing address", "shipping": "Shipping address"}


class AddressForm(forms.Form):
    name = forms.CharField(max_length=150)
    company = forms.CharField(max_length=150, required=False)
    street = forms.CharField(max_length=200)
    postal_code = forms.CharField(max_length=20)
    city = forms.CharField(max_length=100)
    country = forms.ChoiceField(choices=list(countries))
    notify = forms.BooleanField(required=False, initial=True, label="Tell the customer (e-mail with the new address)")


def quick_refusal(order: Order) -> str | None:
    """The same answer the service gives (state check, then guards), without locking: for links and the page."""
    return hooks.refusal("address_change", order)


def address_view(request, order, model_admin):
    kind = request.GET.get("kind") if request.GET.get("kind") in KIND_LABELS else "shipping"
    current = getattr(order, f"{kind}_address")()
    form = AddressForm(request.POST or None, initial={**current, "notify": True})
    if request.method == "POST" and form.is_valid():
        address = {part: form.cleaned_data[part] for part in ADDRESS_PARTS}
        try:
            order_address_change(
                order_id=order.pk, actor=request.user, addresses={kind: address}, notify=form.cleaned_data["notify"]
            )
        except OrderError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"The {kind} address of order {order.number} was changed.")
            return redirect("admin:orders_order_change", order.pk)
    context = {"form": form, "kind": kind, "kind_label": KIND_LABELS[kind], "refusal": quick_refusal(order)}
    return render_order_page(
        request, order, model_admin, slug=SLUG, title=f"Change {KIND_LABELS[kind].lower()}",
        template="admin/orders/order/address.html", context=context,
    )  # fmt: skip


register(
    OrderPage(
        SLUG,
        "Change address",
        address_view,
        permission="orders.change_order",
        tab=False,
        position=40,
        operation="address_change",
    )
)
