from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.core.exceptions import PermissionDenied
from django.db.models import F, Sum
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from unfold.admin import ModelAdmin, TabularInline

from oms import navigation
from oms.admin_lists import KeysetListMixin, ReadOnlyAdminMixin

from . import services
from .exceptions import CatalogError
from .forms import StockAdjustForm, StockReceiveForm
from .models import LowStockLevel, Product, StockAlert, StockLevel, StockLocation, StockMovement, TaxRate
from .selectors import stock_movement_search

COUNTERS = ("on_hand", "allocated", "quarantined", "sellable", "reorder_point")


@admin.register(TaxRate)
class TaxRateAdmin(ModelAdmin):
    list_display = ("name", "rate", "active")
    list_filter = ("active",)
    search_fields = ("name",)


@admin.register(StockLocation)
class StockLocationAdmin(ModelAdmin):
    list_display = ("code", "name", "kind", "priority", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")


class StockLevelInline(TabularInline):
    """Stock per location, read-only: counters change only through receipts, adjustments and orders."""

    model = StockLevel
    fields = ("location", *COUNTERS)
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("location", "product")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ProductAutocompleteJsonView(AutocompleteJsonView):
    """The admin's autocomplete; product choices also say their price, tax rate and sellable stock.

    So the order desk sees them while typing (and the draft form fills the line's price and tax with them).
    Sellable stock is summed over the page's products in one query; other models are served unchanged.
    """

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        self.sellable = {}
        if self.model_admin.model is Product:
            ids = [product.pk for product in context["object_list"]]
            units = F("on_hand") - F("allocated") - F("quarantined")
            rows = StockLevel.objects.filter(product_id__in=ids).values("product_id").annotate(units=Sum(units))
            self.sellable = {row["product_id"]: row["units"] for row in rows}
        return context

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        if isinstance(obj, Product):
            sellable = self.sellable.get(obj.pk, 0)
            result.update(
                text=f"{obj} — {obj.unit_price} · {sellable} in stock",
                price=str(obj.unit_price),
                tax_rate=f"{obj.tax_rate.rate:.2f}",
                sellable=sellable,
            )
        return result


def _autocomplete_view(request):
    return ProductAutocompleteJsonView.as_view(admin_site=admin.site)(request)


# The site's autocomplete URL serves every autocomplete field; this view only adds to product results.
admin.site.autocomplete_view = _autocomplete_view


@admin.register(Product)
class ProductAdmin(ModelAdmin):
    list_display = ("sku", "name", "unit_price", "tax_rate", "active")
    list_filter = ("active", "tax_rate")
    list_select_related = ("tax_rate",)
    search_fields = ("sku", "name")  # also what the order line autocomplete searches
    inlines = (StockLevelInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("tax_rate")  # the autocomplete shows each rate


@admin.register(StockLevel)
class StockLevelAdmin(ModelAdmin):
    list_display = ("product", "location", *COUNTERS)
    list_filter = ("location",)
    list_select_related = ("product", "location")
    search_fields = ("product__sku", "product__name")
    autocomplete_fields = ("product",)
    readonly_fields = ("on_hand", "allocated", "quarantined", "sellable")

    def get_readonly_fields(self, request, obj=None):
        # A new level starts empty; after that only the reorder point is edited here.
        return (*self.readonly_fields, "product", "location") if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        # The reorder point goes through its service: it raises or clears the level's alert under its lock.
        if "bin_location" in form.changed_data:
            obj.save(update_fields=["bin_location"])
        if "reorder_point" in form.changed_data:
            services.stock_level_set_reorder_point(
                level_id=obj.pk, reorder_point=form.cleaned_data["reorder_point"], actor=request.user
            )


class AlertStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("cleared", "Cleared")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(cleared_at__isnull=True)
        if self.value() == "cleared":
            return queryset.filter(cleared_at__isnull=False)
        return queryset


@admin.register(StockAlert)
class StockAlertAdmin(ReadOnlyAdminMixin, KeysetListMixin, ModelAdmin):
    """Alerts raised when a level's sellable stock fell below its reorder point; the stock services raise and
    clear them, staff only read them (the dashboard links here with ?status=open). Every fall is kept, so the
    list pages by key on (raised_at, id) with a capped count."""

    keyset_field = "raised_at"

    list_display = ("raised_at", "level", "sellable", "reorder_point", "sellable_now", "cleared_at", "notified_at")
    list_filter = (AlertStatusFilter, "level__location")
    list_select_related = ("level__product", "level__location")
    search_fields = ("level__product__sku", "level__product__name")

    @admin.display(description="sellable now")
    def sellable_now(self, obj):
        return obj.level.sellable


@admin.register(LowStockLevel)
class LowStockLevelAdmin(ReadOnlyAdminMixin, ModelAdmin):
    """Levels whose sellable quantity is below their reorder point."""

    list_display = ("product", "location", "on_hand", "allocated", "quarantined", "sellable_units", "reorder_point")
    list_filter = ("location",)
    list_select_related = ("product", "location")
    search_fields = ("product__sku", "product__name")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(sellable_units=F("on_hand") - F("allocated") - F("quarantined"))
            .filter(sellable_units__lt=F("reorder_point"))
        )

    @admin.display(description="sellable", ordering="sellable_units")
    def sellable_units(self, obj):
        return obj.sellable_units


@admin.register(StockMovement)
class StockMovementAdmin(KeysetListMixin, ModelAdmin):
    """The ledger, read-only. Receipts and adjustments are entered through their own forms here.

    Millions of rows: pages by key with a capped count (oms/admin_lists.py); dates are a filter, not a
    date hierarchy (which lists the years of every movement first).
    """

    list_display = (
        "created_at",
        "level",
        "kind",
        "on_hand_delta",
        "allocated_delta",
        "quarantined_delta",
        "reason",
        "reference",
        "actor",
    )
    list_filter = ("kind", "level__location", "created_at")
    list_select_related = ("level__product", "level__location", "actor")
    # Shows the search box; the search itself is catalog.selectors.stock_movement_search.
    search_fields = ("reference", "level__product__sku", "level__product__name")
    search_help_text = "Reference (an order number) or a product's SKU or name."
    change_list_template = "admin/catalog/stockmovement/change_list.html"

    def get_search_results(self, request, queryset, search_term):
        return stock_movement_search(queryset, search_term), False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("receive/", view(self.receive_view), name="catalog_stock_receive"),
            path("adjust/", view(self.adjust_view), name="catalog_stock_adjust"),
            *super().get_urls(),
        ]

    def receive_view(self, request):
        return self._stock_change_view(request, StockReceiveForm, services.stock_receive, "Receive stock")

    def adjust_view(self, request):
        return self._stock_change_view(request, StockAdjustForm, services.stock_adjust, "Adjust stock")

    def _stock_change_view(self, request, form_class, service, title):
        if not request.user.has_perm("catalog.add_stockmovement"):
            raise PermissionDenied
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                movement = service(**form.cleaned_data, actor=request.user)
            except CatalogError as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(request, f"{title}: {movement.level} {movement.on_hand_delta:+d} on hand.")
                return redirect("admin:catalog_stockmovement_changelist")
        context = {**self.admin_site.each_context(request), "opts": self.opts, "title": title, "form": form}
        return TemplateResponse(request, "admin/catalog/stock_change_form.html", context)


navigation.entry("Catalogue and stock", "Products", icon="inventory_2", model="catalog.Product", position=10)
navigation.entry("Catalogue and stock", "Stock levels", icon="stacks", model="catalog.StockLevel", position=20)
navigation.entry("Catalogue and stock", "Low stock", icon="trending_down", model="catalog.LowStockLevel", position=30)
navigation.entry("Catalogue and stock", "Low-stock alerts", icon="notification_important", model="catalog.StockAlert",
                 position=35)  # fmt: skip
navigation.entry("Catalogue and stock", "Stock ledger", icon="receipt", model="catalog.StockMovement", position=40)
navigation.entry("Catalogue and stock", "Stock locations", icon="warehouse", model="catalog.StockLocation", position=50)
navigation.entry("Catalogue and stock", "Tax rates", icon="percent", model="catalog.TaxRate", position=60)
