from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "storefront"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="storefront/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("orders/", views.order_list, name="order_list"),
]
