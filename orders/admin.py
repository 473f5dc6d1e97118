"""The order desk. Thin: forms parse, permissions are checked, services do the work, errors become messages."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path
from django.utils.html import format_html, format_html_join
from django_countries import countries
from unfold.admin import ModelAdmin, TabularInline
from unfold.widgets import UnfoldAdminSelectWidget

from catalog.models import TaxRate
from oms import navigation
from oms.admin_lists import KeysetListMixin, ReadOnlyAdminMixin, SelectionGuardMixin
from oms.money import ZERO

from . import admin_customers, admin_pages  # noqa: F401 - admin_customers registers the customer admin
from .admin_list import OrderListMixin
from .admin_pages.general import general_view
from .admin_pages.rendering import order_chrome
from .exceptions import OrderError
from .forms import DraftLineForm, DraftLineFormSet, DraftOrderForm
from .models import Channel, Order, OrderEvent, OrderLine, OrderPayment
from .selectors.staff import ORDER_TABS, order_list_for_staff, order_list_for_tab, order_search, order_tab_counts
from .services.channels import channel_token_issue
from .services.drafts import draft_address_is_default, order_draft_save
from .services.placement import order_place

admin_pages.autodiscover()

ADDRESS_FIELDS = ("name", "company", "street", "postal_code", "city", "country")
ADDRESS_HELP = (
    "Empty: the customer's default address. When you change the customer, an address that was the previous "
    "customer's default is replaced by the new customer's; an address you typed is kept."
)
# The draft form reads in the order of the work: who and where from, then the lines (the inline), then the
# amounts with the running totals, then the addresses. Fieldsets marked "after-lines" come after the lines
# (templates/admin/orders/order/change_form.html).
AFTER_LINES = ("after-lines",)
DRAFT_FIELDSETS = (
    (None, {"fields": ("customer", "channel", "external_reference", "payment_terms")}),
    ("Amounts", {"fields": ("shipping_fee", "discount_amount"), "classes": AFTER_LINES}),
    (
        "Billing address",
        {"fields": [f"billing_{f}" for f in ADDRESS_FIELDS], "description": ADDRESS_HELP, "classes": AFTER_LINES},
    ),
    (
        "Shipping address",
        {"fields": [f"shipping_{f}" for f in ADDRESS_FIELDS], "description": ADDRESS_HELP, "classes": AFTER_LINES},
    ),
    ("Customer's note", {"fields": ("memo",), "classes": AFTER_LINES}),
)
SUMMARY_FIELDS = ("number", "status", "payment_status", "fulfillment_status", "placed_at", "reservation_expires_at")
TOTAL_FIELDS = (
    "lines_gross",
    "discount_total",
    "shipping_gross",
    "total_net",
    "total_tax",
    "total_gross",
    "amount_paid",
    "balance_due",
    "refund_due",
)
PLACED_FIELDSETS = (
    (
        "Order",
        {
            "fields": (
                *SUMMARY_FIELDS,
                "version",
                "parent",
                "split_reason",
                "cancel_reason",
                "customer",
                "channel",
                "external_reference",
                "payment_terms",
                "created_by",
                "created_at",
            )
        },
    ),
    ("Billing address", {"fields": [f"billing_{f}" for f in ADDRESS_FIELDS]}),
    ("Shipping address", {"fields": [f"shipping_{f}" for f in ADDRESS_FIELDS]}),
    ("Amounts", {"fields": ("currency", "prices_include_tax", "shipping_fee", "discount_amount", *TOTAL_FIELDS)}),
    (None, {"fields": ("memo",)}),
)


def tax_rate_select() -> UnfoldAdminSelectWidget:
    """A line's tax rate, chosen from the shop's active rates; empty takes the product's rate."""
    rates = TaxRate.objects.filter(active=True).order_by("-rate")
    labels = ((f"{rate.rate:.2f}", f"{rate.rate.normalize():f}% · {rate.name}") for rate in rates)
    choices = [("", "Product's rate"), *labels]
    return UnfoldAdminSelectWidget(choices=choices)


def country_select() -> UnfoldAdminSelectWidget:
    """Countries by name (django-countries), stored as ISO codes; empty takes the customer's default address."""
    return UnfoldAdminSelectWidget(choices=[("", "Customer's default"), *countries])


def _is_draft(order) -> bool:
    return order is None or order.status == Order.Status.DRAFT


class OrderTabFilter(admin.SimpleListFilter):
    """The status tabs above the list; hidden from the sidebar (empty template) since the tabs show it."""

    title = "status"
    parameter_name = "tab"
    template = "admin/orders/order/tab_filter.html"

    def lookups(self, request, model_admin):
        return [(tab.slug, tab.label) for tab in ORDER_TABS]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return order_list_for_tab(queryset, self.value())  # an unknown tab is a 404


class OrderLineInline(TabularInline):
    """Editable lines of a draft; read-only (prices frozen) once the order is placed."""

    model = OrderLine
    form = DraftLineForm
    formset = DraftLineFormSet
    autocomplete_fields = ("product",)
    extra = 1
    draft_fields = ("product", "name", "quantity", "unit_price", "discount_amount", "tax_rate")
    placed_fields = (
        "position",
        "sku",
        "name",
        "quantity",
        "quantity_canceled",
        "quantity_shipped",
        "unit_price",
        "discount_amount",
        "tax_rate",
        "net",
        "tax",
        "gross",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "tax_rate" and field is not None:
            field.widget = tax_rate_select()  # the shop's rates, not a free number
        return field

    def get_fields(self, request, obj=None):
        return self.draft_fields if _is_draft(obj) else self.placed_fields

    def get_readonly_fields(self, request, obj=None):
        return () if _is_draft(obj) else self.placed_fields

    def get_extra(self, request, obj=None, **kwargs):
        return self.extra if _is_draft(obj) else 0

    def has_add_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Lines of a draft may be dropped before it is placed; a placed line is cancelled instead.
        return obj is not None and _is_draft(obj) and super().has_delete_permission(request, obj)


@admin.register(Order)
class OrderAdmin(KeysetListMixin, OrderListMixin, ModelAdmin):
    """The order desk. The list pages by key and caps its counts (oms/admin_lists.py): no COUNT(*), no OFFSET."""

    form = DraftOrderForm
    inlines = (OrderLineInline,)
    autocomplete_fields = ("customer",)
    list_filter = (OrderTabFilter, "channel", "payment_status", "fulfillment_status", "placed_at")
    list_select_related = ("customer", "channel")
    # Shows the search box; the search itself is orders.selectors.staff.order_search (index lookups).
    search_fields = ("number", "external_reference", "customer__name", "customer__company", "customer__email")
    search_help_text = "Order number (#10150, 10150-1), channel reference, or customer name, company or e-mail."
    list_per_page = 50
    change_list_template = "admin/orders/order/change_list.html"
    list_before_template = "admin/orders/order/list_tabs.html"
    change_form_template = "admin/orders/order/change_form.html"

    def get_queryset(self, request):
        return order_list_for_staff()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in ("billing_country", "shipping_country") and field is not None:
            field.widget = country_select()
        return field

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "payment_terms" in form.base_fields:  # a declared field: give it unfold's select
            terms = form.base_fields["payment_terms"]
            terms.widget = UnfoldAdminSelectWidget(choices=terms.choices)
        if "memo" in form.base_fields:
            form.base_fields["memo"].label = "Note from the customer"
        return form

    def get_search_results(self, request, queryset, search_term):
        return order_search(queryset, search_term), False

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return DRAFT_FIELDSETS
        if _is_draft(obj):
            summary = ("Order", {"fields": (*SUMMARY_FIELDS[:2], "used_when_placed")})
            return (summary, *DRAFT_FIELDSETS, ("Saved totals", {"fields": TOTAL_FIELDS, "classes": AFTER_LINES}))
        return PLACED_FIELDSETS

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if _is_draft(obj):
            return (*SUMMARY_FIELDS[:2], "used_when_placed", *TOTAL_FIELDS)
        return [field for _, options in PLACED_FIELDSETS for field in options["fields"]]

    @admin.display(description="used when placed")
    def used_when_placed(self, obj):
        """The saved draft's addresses and payment terms, and where each came from."""
        customer = obj.customer
        rows = []
        for kind, label in (("billing", "Bills to"), ("shipping", "Ships to")):
            address = ", ".join(value for value in getattr(obj, f"{kind}_address")().values() if value)
            origin = "the customer's default" if draft_address_is_default(obj, kind, customer) else "typed"
            rows.append((label, address or "(none)", origin))
        terms_origin = "the customer's terms" if obj.payment_terms == customer.payment_terms else "chosen"
        rows.append(("Payment terms", obj.get_payment_terms_display(), terms_origin))
        return format_html(
            '<dl class="used-when-placed">{}</dl>',
            format_html_join("", "<dt>{}</dt><dd>{} <small>({})</small></dd>", rows),
        )

    @admin.display(description="balance due")
    def balance_due(self, obj):
        return max(obj.balance_due, ZERO)

    @admin.display(description="refund due (owed to the customer)")
    def refund_due(self, obj):
        return obj.refund_due

    def has_delete_permission(self, request, obj=None):
        return False

    # --- saving: the draft service owns defaults, line positions and pricing.
    def save_model(self, request, obj, form, change):
        """Nothing here: the order is saved with its lines by `order_draft_save` in save_related."""

    def save_related(self, request, form, formsets, change):
        order = form.instance
        lines, removed = [], []
        for formset in formsets:
            formset.save(commit=False)  # builds the line instances (and what the admin log reports)
            lines += [*formset.new_objects, *(line for line, _ in formset.changed_objects)]
            removed += formset.deleted_objects
        if order.pk is not None and order.status != Order.Status.DRAFT:
            return  # a placed order's form has no editable fields; its buttons call services
        order_draft_save(order=order, lines=lines, removed_lines=removed, actor=request.user)

    def response_change(self, request, obj):
        # "Place order" on a draft submits the draft's form: what the clerk changed is saved first, then
        # placed, in one request (a placement from a separate form would place the old values).
        if "_place" in request.POST and obj.status == Order.Status.DRAFT:
            return self._place_saved_draft(request, obj)
        return super().response_change(request, obj)

    def _place_saved_draft(self, request, order):
        again = HttpResponseRedirect(request.path)
        if not request.user.has_perm("orders.place_order"):
            self.message_user(request, f"{order} was saved; you may not place orders.", messages.ERROR)
            return again
        try:
            order_place(order_id=order.pk, actor=request.user, source=OrderEvent.Source.ADMIN)
        except OrderError as exc:  # its savepoint rolled back: the draft stays saved, unplaced
            self.message_user(
                request, f"Your changes to {order} were saved, but it was not placed: {exc}", messages.ERROR
            )
            return again
        self.message_user(request, f"{order} was saved, placed and its stock reserved.", messages.SUCCESS)
        return again

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except OrderError as exc:  # raised inside the admin's transaction, which rolled back
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def change_view(self, request, object_id, form_url="", extra_context=None):
        order = self.get_object(request, object_id)
        if order is None:
            return super().change_view(request, object_id, form_url, extra_context)
        if not _is_draft(order) and request.method == "GET":
            return general_view(request, order, self)  # a placed order's page: cards, lines, timeline
        context = {**order_chrome(request, order), "active_tab": "general", **(extra_context or {})}
        if not _is_draft(order):
            context.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
        return super().change_view(request, object_id, form_url, context)

    def changelist_view(self, request, extra_context=None):
        context = {"order_list_tabs": self._list_tabs(request), **(extra_context or {})}
        return super().changelist_view(request, context)

    def _list_tabs(self, request) -> list[dict]:
        counts = order_tab_counts()
        active = request.GET.get("tab", "all")
        tabs = []
        for tab in ORDER_TABS:
            params = request.GET.copy()
            params.pop("p", None)
            params.pop("tab", None)
            if tab.slug != "all":
                params["tab"] = tab.slug
            tabs.append(
                {
                    "slug": tab.slug,
                    "label": tab.label,
                    "count": counts[tab.slug],
                    "url": f"?{params.urlencode()}",
                    "active": tab.slug == active,
                }
            )
        return tabs

    # --- order pages: /admin/orders/order/<pk>/<slug>/ for every page in the admin_pages registry.
    def get_urls(self):
        urls = super().get_urls()
        page = path(
            "<int:object_id>/<slug:slug>/", self.admin_site.admin_view(self.order_page_view), name="orders_order_page"
        )
        # Before the admin's catch-all "<path:object_id>/" redirect, after its own "change/", "history/"...
        return [*self.get_export_urls(), *urls[:-1], page, urls[-1]]

    def history_view(self, request, object_id, extra_context=None):
        # <pk>/history/ is the admin's own URL and resolves before ours: serve the History tab there.
        return self.order_page_view(request, object_id, "history")

    def order_page_view(self, request, object_id, slug):
        page = admin_pages.PAGES.get(slug)
        if page is None:
            raise Http404(f"No order page '{slug}'.")
        if not request.user.has_perm(page.permission):
            raise PermissionDenied
        order = self.get_object(request, object_id)  # None for a malformed or unknown id
        if order is None:
            raise Http404("No such order.")
        return page.view(request, order, self)


@admin.register(Channel)
class ChannelAdmin(SelectionGuardMixin, ModelAdmin):
    list_display = ("name", "code", "active", "has_token")
    readonly_fields = ("has_token",)
    actions = ("issue_token",)

    @admin.display(boolean=True, description="API token")
    def has_token(self, obj):
        return bool(obj.api_token_digest)

    @admin.action(description="Issue new API token", permissions=["change"])
    def issue_token(self, request, queryset):
        for channel in queryset:
            token = channel_token_issue(channel_id=channel.pk, actor=request.user)
            self.log_change(request, channel, "Issued a new API token.")
            self.message_user(
                request,
                f"New API token for {channel}: {token} (shown only now; the previous token no longer works).",
                messages.WARNING,
            )


@admin.register(OrderPayment)
class OrderPaymentAdmin(ReadOnlyAdminMixin, ModelAdmin):
    """Payments as recorded; new ones come from the order's "Record payment" button, reversals from its Payments tab."""

    list_display = ("paid_on", "order", "kind", "amount", "method", "reference", "reason", "actor", "created_at")
    list_filter = ("kind", "method", "paid_on")
    list_select_related = ("order", "actor")
    search_fields = ("order__number", "reference")


navigation.entry("Orders", "Orders", icon="shopping_cart", model="orders.Order", position=10)
navigation.entry("Orders", "Payments", icon="payments", model="orders.OrderPayment", position=20)
navigation.entry("Customers", "Customers", icon="person", model="orders.Customer", position=10)
navigation.entry("Settings", "Sales channels", icon="hub", model="orders.Channel", position=20)
