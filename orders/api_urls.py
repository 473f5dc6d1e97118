from django.urls import path

from . import api

app_name = "orders_api"

urlpatterns = [
    path("orders/", api.order_import_view, name="order_import"),
]
