"""The customer account pages: thin views over orders.selectors.customer."""

from functools import wraps

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from fulfillment.selectors import shipments_for_customer
from invoicing.access_log import document_pdf_response
from invoicing.models import DocumentAccess
from oms.models import ShopSettings
from orders.models import Customer
from orders.selectors.customer import order_get_for_customer, order_list_for_customer
from returns.selectors_refunds import refund_list_for_customer_order

from .forms import CustomerLoginForm, CustomerPasswordResetForm
from .invoices import invoice_get_for_customer, invoice_list_for_customer_order


def customer_required(view):
    """Sign-in required; the view then gets the signed-in customer. Staff and profile-less users are turned away."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.is_staff:
            return render(request, "storefront/staff_refused.html", status=403)
        customer = Customer.objects.filter(user=request.user).first()
        if customer is None:
            return render(request, "storefront/no_customer.html", status=403)
        return view(request, customer, *args, **kwargs)

    return wrapped


@customer_required
def order_list(request, customer):
    page, groups = order_list_for_customer(customer=customer, page_number=request.GET.get("page"))
    return render(request, "storefront/order_list.html", {"customer": customer, "page": page, "groups": groups})


@customer_required
def order_detail(request, customer, number):
    detail = order_get_for_customer(customer=customer, number=number)
    if detail is None:
        # Someone else's order, a draft or no order at all: the same 404 for each, so nothing leaks.
        return render(request, "storefront/order_not_found.html", status=404)
    # only after the 404 rules above found the customer's order
    shipments = shipments_for_customer(detail.order)
    invoices = invoice_list_for_customer_order(customer=customer, order=detail.order)
    refunds = refund_list_for_customer_order(order=detail.order)
    context = {"customer": customer, "detail": detail, "shipments": shipments, "invoices": invoices,
               "refunds": refunds}  # fmt: skip
    from .returns import requests_panel  # storefront.returns uses this module's customer_required

    context.update(requests_panel(customer=customer, order=detail.order))
    return render(request, "storefront/order_detail.html", context)


@customer_required
def invoice_pdf(request, customer, number):
    invoice = invoice_get_for_customer(customer=customer, number=number)
    if invoice is None or not invoice.pdf:
        return render(request, "storefront/invoice_not_found.html", status=404)
    return document_pdf_response(request, invoice, channel=DocumentAccess.Channel.STOREFRONT)


class LoginView(auth_views.LoginView):
    template_name = "storefront/login.html"
    authentication_form = CustomerLoginForm
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    form_class = CustomerPasswordResetForm

    def form_valid(self, form):
        shop = ShopSettings.load()
        self.from_email = shop.sender_email
        self.extra_email_context = {"shop_name": shop.name}
        return super().form_valid(form)
