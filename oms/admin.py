from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .login_throttle import StaffLoginForm
from .models import ShopSettings, User

admin.site.site_header = "OMS order desk"
admin.site.site_title = "OMS"
admin.site.index_title = "Back office"
admin.site.login_form = StaffLoginForm  # shows the login throttle's lockout message


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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


@admin.register(ShopSettings)
class ShopSettingsAdmin(SimpleHistoryAdmin):
    """The one settings record: no list to browse, no add once it exists, never deleted."""

    def has_add_permission(self, request):
        return not ShopSettings.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        from django.shortcuts import redirect

        return redirect("admin:oms_shopsettings_change", ShopSettings.load().pk)
