from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from fulfillment.api import shipment_events_view

urlpatterns = [
    path("admin/reports/", include("reports.urls")),  # before the admin's catch-all
    path("admin/", admin.site.urls),
    # Before orders' /api/ routes, whose last one answers every unknown /api/ path with a JSON 404.
    path("api/shipments/<int:shipment_id>/events", shipment_events_view, name="shipment_events"),
    path("api/", include("orders.api_urls")),
    path("account/", include("storefront.urls")),
    path("pay/", include("invoicing.paylink_urls")),
    path("", RedirectView.as_view(pattern_name="storefront:order_list", permanent=False)),
]
