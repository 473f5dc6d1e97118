"""Memo tab: internal notes, append-only, with author and time; the customer never sees them."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from ..exceptions import OrderError
from ..forms import MemoForm
from ..selectors.staff import order_memos_for_staff
from ..services.memo import order_memo_add
from . import OrderPage, register
from .rendering import render_order_page

SLUG = "memo"


def memo_view(request, order, model_admin):
    form = MemoForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("orders.add_memo"):
            raise PermissionDenied
        if form.is_valid():
            try:
                order_memo_add(order_id=order.pk, text=form.cleaned_data["text"], actor=request.user)
            except OrderError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "The memo was added.")
                if request.POST.get("next") == "general":  # the memo box on the General tab
                    return redirect("admin:orders_order_change", order.pk)
                return redirect("admin:orders_order_page", order.pk, SLUG)
    context = {
        "memos": order_memos_for_staff(order=order),
        "form": form if request.user.has_perm("orders.add_memo") else None,
    }
    return render_order_page(
        request, order, model_admin, slug=SLUG, title="Memo", template="admin/orders/order/memo.html", context=context
    )


register(OrderPage(SLUG, "Memo", memo_view, permission="orders.view_ordermemo", position=90))
