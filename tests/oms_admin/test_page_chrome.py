"""The admin's page chrome costs no query of its own: Django's app list (every ModelAdmin's permissions and a
shop-settings read) is built only where a page shows it, never for the order list or the home page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse


def statements(client, url) -> list[str]:
    client.get(url)  # warm: the shop settings' cache and the session
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.django_db
def test_the_order_list_and_the_home_page_do_not_build_the_app_list(client, superuser):
    # given
    client.force_login(superuser)
    # when
    order_list = statements(client, reverse("admin:orders_order_changelist"))
    home = statements(client, reverse("admin:index") + "?home=1")
    # then: session and user, then the list's own reads; no shop-settings existence check for the app list.
    # The home's 4 after session and user are the dashboard's (reports/dashboard.py; tests/reports pins them).
    assert not [sql for sql in order_list + home if "oms_shopsettings" in sql]
    assert (len(order_list), len(home)) == (6, 6)


@pytest.mark.django_db
def test_an_app_page_still_lists_its_models(client, superuser):
    # given
    client.force_login(superuser)
    # when: the app index reads the app list it shows
    response = client.get(reverse("admin:app_list", args=["catalog"]))
    # then
    assert response.status_code == 200
    assert [model["object_name"] for model in response.context["app_list"][0]["models"]]
