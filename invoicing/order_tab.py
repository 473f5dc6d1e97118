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
from .services.family import family_invoice, family_members
from .services.terms import terms_default

TAB = "invoices"


def invoices_view(request, order, model_admin):
    may_invoice, reason = hooks.may(request.user, "invoice", order)
    allowed, existing = may_invoice, debit_invoice_of(order)
    if allowed and existing:  # one order is invoiced once: a correction cancels the old invoice first
        allowed, reason = False, f"{existing} covers this order; to make a new one, cancel it first."
    form = InvoiceCreateForm(request.POST or None) if allowed else None
    family = family_members(order.pk)
    if request.method == "POST" and request.POST.get("family") in ("each", "combined"):
        return _family_post(request, order, family_allowed=may_invoice)
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
               "default_terms": default, "family": family if len(family) > 1 and may_invoice else []}  # fmt: skip
    return render_order_page(request, order, model_admin, slug=TAB, title="Invoices",
                             template="admin/invoicing/order/invoices.html", context=context)  # fmt: skip


def _family_post(request, order, *, family_allowed: bool):
    """One action for the whole split family: an invoice per order, or one combined invoice; issued and sent."""
    if not family_allowed or not request.user.has_perm("invoicing.issue_invoice"):
        raise PermissionDenied
    combined = request.POST["family"] == "combined"
    try:
        made = family_invoice(order_id=order.pk, combined=combined, actor=request.user, source="admin")
    except OrderError as exc:
        messages.error(request, exc.message)
    else:
        numbers = ", ".join(invoice.number for invoice in made)
        messages.success(request, f"Issued and sent for the family: {numbers}.")
    return redirect("admin:orders_order_page", order.pk, TAB)


def register_tab() -> None:
    register(
        OrderPage(TAB, "Invoices", invoices_view, permission="invoicing.view_invoice", position=50,
                  replaces_placeholder=True)
    )  # fmt: skip
