from functools import partial

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.functional import SimpleLazyObject
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin, TabularInline
from unfold.forms import AdminPasswordChangeForm, AuthenticationForm, UserChangeForm, UserCreationForm
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from . import navigation
from .login_throttle import ThrottledLoginMixin
from .models import ShopSettings, User

admin.site.site_header = "OMS order desk"
admin.site.site_title = "OMS"
admin.site.index_title = "Back office"


class StaffLoginForm(ThrottledLoginMixin, AuthenticationForm):
    """unfold's login form (its widgets) that shows the login throttle's lockout message."""

    staff_login = True


admin.site.login_form = StaffLoginForm
_site_index = admin.site.index


def _index_or_landing(request, extra_context=None):
    """The admin home, unless the user's role starts elsewhere (`navigation.landing`): the warehouse lands
    on its work queue after login (`/admin/?home=1` still shows the home)."""
    from django.shortcuts import redirect

    target = navigation.landing_url(request)
    if target and request.GET.get("home") != "1":
        return redirect(target)
    return _site_index(request, extra_context)


admin.site.index = _index_or_landing
_site_get_app_list = admin.site.get_app_list


def _app_list_when_read(request, app_label=None):
    """Django's `each_context` builds the whole app list (every ModelAdmin's permissions, a query for the shop
    settings' add permission) for every admin page, but only the index and the app pages read it: our
    sidebar is `oms.navigation`. Built on first read, so a list or order page pays nothing for it."""
    return SimpleLazyObject(partial(_site_get_app_list, request, app_label))


admin.site.get_app_list = _app_list_when_read


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    """Staff roles (Order desk, Warehouse, Finance, Manager) and their permissions."""


# The settings page by topic. A field another feature adds to ShopSettings and forgets to place here still
# shows: in "Refunds" when its name starts with "refund", else in "More" (`_settings_fieldsets`).
SETTINGS_TOPICS = (
    ("Shop", ("name", "address", "logo", "vat_number"), "Who the shop is: printed on invoices and in e-mails."),
    ("E-mail", ("sender_email", "low_stock_email"), "Where e-mails come from, and who hears of low stock."),
    ("Prices and tax", ("currency", "prices_include_tax", "default_shipping_tax_rate"), ""),
    ("Invoicing", ("invoice_numbering",),
     "Invoice numbers are given when an invoice is issued: gap-free, one sequence per series and year."),
    ("Stock and fulfilment", ("reservation_expiry_hours", "allocate_whole_order_first", "ship_only_paid_orders"),
     "How orders reserve and ship stock."),
    ("Refunds", (), "How refunds of credit invoices are paid out."),
)  # fmt: skip
SETTINGS_READONLY = ("invoice_numbering",)


def _settings_fieldsets() -> tuple:
    placed = {name for _, names, _ in SETTINGS_TOPICS for name in names}
    editable = [f.name for f in ShopSettings._meta.fields if f.editable and not f.primary_key]
    extra_refunds = [name for name in editable if name not in placed and name.startswith("refund")]
    extra_more = [name for name in editable if name not in placed and not name.startswith("refund")]
    fieldsets = []
    for title, names, description in SETTINGS_TOPICS:
        fields = [*names, *(extra_refunds if title == "Refunds" else [])]
        if fields:
            fieldsets.append((title, {"fields": fields, "description": description}))
    if extra_more:
        fieldsets.append(("More", {"fields": extra_more}))
    return tuple(fieldsets)


@admin.register(ShopSettings)
class ShopSettingsAdmin(SimpleHistoryAdmin, ModelAdmin):
    """The one settings record: no list to browse, no add once it exists, never deleted. Fieldsets by topic,
    each field with its help text; every save is kept in the settings' history (linked above the form)."""

    readonly_fields = SETTINGS_READONLY
    change_form_template = "admin/oms/shopsettings/change_form.html"

    def get_fieldsets(self, request, obj=None):
        return _settings_fieldsets()

    @admin.display(description="Invoice series")
    def invoice_numbering(self, obj):
        """The series and their counters, read by name: oms imports no app (invoicing keeps the numbering)."""
        from django.apps import apps
        from django.utils.html import format_html, format_html_join

        try:
            counter = apps.get_model("invoicing", "InvoiceCounter")
            series = apps.get_model("invoicing", "Invoice").SERIES
        except LookupError:
            return "-"
        labels = ", ".join(f"{code} ({getattr(kind, 'label', kind)})" for kind, code in series.items())
        counters = counter.objects.order_by("series", "year").values_list("series", "year", "last_number")
        if not counters:
            return format_html("Series {}. No invoice issued yet.", labels)
        return format_html("Series {}.<br>{}", labels, format_html_join("<br>", "{} {}: last number {}", counters))

    def has_add_permission(self, request):
        return not ShopSettings.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        from django.shortcuts import redirect

        return redirect("admin:oms_shopsettings_change", ShopSettings.load().pk)


# --- The scheduler (django-celery-beat) in unfold's dress, following unfold's integration recipe. Its rows are
# internals (beat schedules declared in settings), so only superusers see or change them.
for _model in (PeriodicTask, IntervalSchedule, CrontabSchedule, SolarSchedule, ClockedSchedule):
    admin.site.unregister(_model)


class SuperuserOnlyMixin:
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request, *args):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


class UnfoldTaskSelectWidget(UnfoldAdminSelectWidget, beat_admin.TaskSelectWidget):
    pass


class PeriodicTaskForm(beat_admin.PeriodicTaskForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].widget = UnfoldAdminTextInputWidget()
        self.fields["regtask"].widget = UnfoldTaskSelectWidget()


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(SuperuserOnlyMixin, beat_admin.PeriodicTaskAdmin, ModelAdmin):
    form = PeriodicTaskForm


class PeriodicTaskInline(SuperuserOnlyMixin, beat_admin.PeriodicTaskInline, TabularInline):
    pass


class ScheduleAdmin(SuperuserOnlyMixin, ModelAdmin):
    inlines = (PeriodicTaskInline,)


@admin.register(ClockedSchedule)
class ClockedScheduleAdmin(beat_admin.ClockedScheduleAdmin, ScheduleAdmin):
    inlines = (PeriodicTaskInline,)


@admin.register(CrontabSchedule)
class CrontabScheduleAdmin(beat_admin.CrontabScheduleAdmin, ScheduleAdmin):
    inlines = (PeriodicTaskInline,)


@admin.register(SolarSchedule)
class SolarScheduleAdmin(ScheduleAdmin):
    pass


@admin.register(IntervalSchedule)
class IntervalScheduleAdmin(ScheduleAdmin):
    pass


navigation.entry("Settings", "Shop settings", icon="storefront", model="oms.ShopSettings", position=10)
navigation.entry("Settings", "Users", icon="person", model="oms.User", position=40)
navigation.entry("Settings", "Roles", icon="badge", model="auth.Group", position=50)
navigation.entry("Settings", "Scheduled jobs", icon="schedule", model="django_celery_beat.PeriodicTask", position=60)
navigation.entry("Settings", "Intervals", icon="timer", model="django_celery_beat.IntervalSchedule", position=61)
navigation.entry("Settings", "Crontabs", icon="update", model="django_celery_beat.CrontabSchedule", position=62)
navigation.entry("Settings", "Clocked", icon="alarm", model="django_celery_beat.ClockedSchedule", position=63)
navigation.entry("Settings", "Solar events", icon="wb_twilight", model="django_celery_beat.SolarSchedule", position=64)
