"""Text in a URL never answers 500: every admin list, every order page and the storefront, probed with a NUL,
a lone surrogate and oversized numbers in the path and the query string."""

from urllib.parse import quote

import pytest
from django.contrib import admin
from django.urls import reverse

from orders import admin_pages
from tests import factories

pytestmark = pytest.mark.django_db

QUERY_PROBES = ["q=%00", "q=a%00b", "q=%ED%A0%80", "p=99999999999999999999", "o=zz", "o=-99", "%00=1", "id=%00"]


@pytest.fixture
def placed(place_order, product, location):
    factories.stock(product, location, 5)
    return place_order([(product, 1)])


def test_a_nul_in_the_account_order_path_answers_404(client, placed):
    # given
    user = factories.UserFactory(email="ann@example.com")
    placed.customer.user = user
    placed.customer.save()
    client.force_login(user)
    # when / then
    assert client.get(f"/account/orders/{placed.number}%00/").status_code == 404
    assert client.get(f"/account/orders/{placed.number}/").status_code == 200
    assert client.get("/account/orders/?page=%00").status_code == 400
    assert client.get("/account/orders/?page=99999999999999999999").status_code == 200
    assert client.get("/account/password-reset/MQ%00/abc%00/").status_code < 500


def test_every_admin_list_survives_odd_query_strings(client, superuser, placed):
    # given
    client.force_login(superuser)
    lists = [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist") for model in admin.site._registry
    ]
    # when
    answers = {f"{url}?{probe}": client.get(f"{url}?{probe}").status_code for url in lists for probe in QUERY_PROBES}
    # then
    assert {url: status for url, status in answers.items() if status >= 500} == {}


def test_every_admin_change_page_and_order_page_survives_odd_ids(client, superuser, placed):
    # given
    client.force_login(superuser)
    ids = [f"{placed.pk}%00", "%00", quote("1\x01"), "99999999999999999999", "-1", "1e3"]
    urls = [
        f"/admin/{model._meta.app_label}/{model._meta.model_name}/{pk}/change/"
        for model in admin.site._registry
        for pk in ids
    ]
    urls += [f"/admin/orders/order/{pk}/{slug}/" for slug in list(admin_pages.PAGES) for pk in ids]
    urls += [f"/admin/orders/order/{placed.pk}/{slug}%00/" for slug in ("edit", "split", "articles")]
    # when
    answers = {url: client.get(url).status_code for url in urls}
    # then
    assert {url: status for url, status in answers.items() if status >= 500} == {}
