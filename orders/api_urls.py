from django.urls import path, re_path

from . import api

app_name = "orders_api"

urlpatterns = [
    path("orders/", api.order_import_view, name="order_import"),
    re_path(r"^(?P<rest>.*)$", api.not_found_view),  # every other /api/ path answers JSON, not an HTML page
]
