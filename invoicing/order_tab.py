"""The order's Invoices tab (replacing orders' placeholder): its invoices with status and balance, and
"Create invoice" (terms default from the customer). Registered from InvoicingConfig.ready()."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from orders import hooks
from orders.admin_pages import OrderPage, register
from orders.admin_pages.rendering import render_order_page
from orders.exceptions import OrderError

from .forms import InvoiceCreateForm
from .selectors import invoices_of_order
from .services.drafts import debit_invoice_of, invoice_create
from .services.terms import terms_default

TAB = "invoices"


def invoices_view(request, order, model_admin):
    allowed, reason = hooks.may(request.user, "invoice", order)
    existing = debit_invoice_of(order)
    if allowed and existing:  # one order is invoiced once: a correction cancels the old invoice first
        allowed, reason = False, f"{existing} covers this order; to make a new one, cancel it first."
    form = InvoiceCreateForm(request.POST or None) if allowed else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(reason)
        if form.is_valid():
            try:
                data = form.cleaned_data
                invoice = invoice_create(
                    order_id=order.pk, actor=request.user, source="admin", terms_id=data["terms"], note=data["note"]
                )
            except OrderError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"{invoice} was made from order {order.number}; check it and issue it.")
                return redirect("admin:invoicing_invoice_change", invoice.pk)
    default = terms_default(order.customer)
    context = {"invoices": invoices_of_order(order), "create_form": form, "refusal": "" if allowed else reason,
               "default_terms": default}  # fmt: skip
    return render_order_page(request, order, model_admin, slug=TAB, title="Invoices",
                             template="admin/invoicing/order/invoices.html", context=context)  # fmt: skip


def register_tab() -> None:
    register(
        OrderPage(TAB, "Invoices", invoices_view, permission="invoicing.view_invoice", position=50,
                  replaces_placeholder=True)
    )  # fmt: skip
