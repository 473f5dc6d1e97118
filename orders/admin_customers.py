"""The customer page: contact data, addresses, wholesale terms, and above the form what staff look up about
a customer (order history with split orders, lifetime value, open balance, returns); the account invitation
(a set-password link by e-mail) as a button there and as a list action. Thin: the selector reads, the
service invites."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin, StackedInline

from oms.admin_lists import SelectionGuardMixin

from .admin_list import status_badges
from .exceptions import OrderError
from .models import Address, Customer
from .selectors.customer_staff import customer_overview
from .services.customers import customer_invite


class AddressInline(StackedInline):
    model = Address
    extra = 0


@admin.register(Customer)
class CustomerAdmin(SelectionGuardMixin, SimpleHistoryAdmin, ModelAdmin):
    list_display = ("name", "company", "email", "phone", "is_wholesale", "payment_terms", "has_account")
    list_filter = ("is_wholesale", "payment_terms")
    list_select_related = ("user",)
    search_fields = ("name", "company", "email")  # also what the order form's autocomplete searches
    search_help_text = "Name, company or e-mail address."
    inlines = (AddressInline,)
    raw_id_fields = ("user",)
    actions = ("invite_selected",)
    change_form_template = "admin/orders/customer/change_form.html"
    fieldsets = (
        ("Contact", {"fields": ("name", "company", "email", "phone")}),
        ("Wholesale terms", {"fields": ("is_wholesale", "payment_terms"),
                             "description": "Payment terms new orders of this customer get."}),
        ("Account and notes", {"fields": ("user", "notes")}),
    )  # fmt: skip

    @admin.display(boolean=True, description="Account")
    def has_account(self, obj):
        return obj.user_id is not None

    def has_invite_permission(self, request, obj=None):
        return request.user.has_perm("orders.invite_customer")

    def get_urls(self):
        invite = path("<int:object_id>/invite/", self.admin_site.admin_view(self.invite_view),
                      name="orders_customer_invite")  # fmt: skip
        return [invite, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        customer = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if customer is not None:
            overview = customer_overview(customer=customer)
            context.update(
                overview=overview, can_invite=self.has_invite_permission(request), order_rows=_order_rows(overview)
            )
        return super().change_view(request, object_id, form_url, context)

    def invite_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_invite_permission(request):
            raise PermissionDenied
        customer = self.get_object(request, str(object_id))
        if customer is None:
            raise Http404("No such customer.")
        self._invite(request, customer)
        return HttpResponseRedirect(reverse("admin:orders_customer_change", args=[customer.pk]))

    @admin.action(description="Send account invitation (set-password e-mail)", permissions=["invite"])
    def invite_selected(self, request, queryset):
        for customer in queryset.order_by("pk"):
            self._invite(request, customer)

    def _invite(self, request, customer):
        try:
            message = customer_invite(customer_id=customer.pk, actor=request.user)
        except OrderError as exc:
            self.message_user(request, f"{customer}: {exc}", messages.ERROR)
            return
        self.log_change(request, customer, "Sent the account invitation e-mail.")
        self.message_user(request, f"Account invitation for {customer} queued to {message.to}.", messages.SUCCESS)


def _order_rows(overview) -> list[dict]:
    from django.utils.translation import get_language

    language = get_language()
    return [
        {
            "order": order,
            "badges": status_badges(order.status, order.payment_status, order.fulfillment_status, language),
        }
        for order in overview.orders
    ]
