"""Mounted at /admin/reports/ (before the admin's own URLs) and wrapped in the admin site's login check."""

from django.contrib import admin
from django.urls import path

from . import views
from .queries import REPORTS

app_name = "reports"

urlpatterns = [
    path("", admin.site.admin_view(views.reports_index), name="index"),
    *[path(f"{key}/", admin.site.admin_view(views.report_view), {"key": key}, name=key) for key in REPORTS],
]
