"""Warehouse connections in the admin: who may post to the warehouse API, and their tokens (issued, shown once)."""

from django.contrib import admin, messages
from unfold.admin import ModelAdmin

from oms import navigation
from oms.admin_lists import SelectionGuardMixin

from .models import WarehouseConnection
from .services.handoff import warehouse_token_issue


@admin.register(WarehouseConnection)
class WarehouseConnectionAdmin(SelectionGuardMixin, ModelAdmin):
    list_display = ("name", "active", "has_token", "location_names", "created_at")
    readonly_fields = ("has_token", "created_at")
    fields = ("name", "locations", "active", "has_token", "created_at")
    filter_horizontal = ("locations",)
    actions = ("issue_token",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("locations")

    @admin.display(boolean=True, description="API token")
    def has_token(self, obj):
        return bool(obj.api_token_digest)

    @admin.display(description="Locations")
    def location_names(self, obj):
        return ", ".join(location.name for location in obj.locations.all()) or "every location"

    @admin.action(description="Issue new API token", permissions=["change"])
    def issue_token(self, request, queryset):
        for connection in queryset:
            token = warehouse_token_issue(connection_id=connection.pk, actor=request.user)
            self.log_change(request, connection, "Issued a new API token.")
            self.message_user(
                request,
                f"New API token for {connection}: {token} (shown only now; the previous token no longer works). "
                f"It posts to /api/shipments/<id>/events.",
                messages.WARNING,
            )


navigation.entry(
    "Settings", "Warehouse connections", icon="warehouse", model="fulfillment.WarehouseConnection", position=25
)
