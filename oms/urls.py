from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("orders.api_urls")),
    path("account/", include("storefront.urls")),
    path("", RedirectView.as_view(pattern_name="storefront:order_list", permanent=False)),
]
