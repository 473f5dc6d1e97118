"""Mounted at /pay/ by oms/urls.py: the pay link, its PDF, and the payment providers' pages and callbacks."""

from django.urls import path

from . import paylink_views as views

app_name = "paylink"

urlpatterns = [
    path("local/<str:token>/", views.local_pay, name="local_pay"),
    path("callback/<slug:code>/", views.callback, name="callback"),
    path("<str:token>/", views.pay, name="pay"),
    path("<str:token>/pdf/", views.pay_pdf, name="pdf"),
]
