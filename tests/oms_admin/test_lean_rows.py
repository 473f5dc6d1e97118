"""oms.admin_rows renders a list's rows as unfold does (same HTML but for whitespace), once per column.

Each test renders the same changelist twice, through unfold's own `result_list` and template and through
`{% lean_result_list %}`, and compares the markup with the whitespace between tags taken out.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.sites import site
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone
from unfold.admin import ModelAdmin
from unfold.templatetags.unfold_list import result_list

from catalog.models import Product, StockMovement
from catalog.services import stock_adjust
from oms.admin_rows import lean_rows
from oms.templatetags.lean_lists import lean_result_list
from orders.models import Order
from tests import factories


def _normalized(html: str) -> str:
    html = re.sub(r">\s+<", "><", html)
    html = re.sub(r"\s+>", ">", html)
    return re.sub(r"\s+", " ", html).strip()


def _changelist(model_admin, user, query=None):
    request = RequestFactory().get("/", query or {})
    request.user = user
    cl = model_admin.get_changelist_instance(request)
    cl.formset = None  # as changelist_view leaves it for a list without editable columns
    return request, cl


def _both(model_admin, user, query=None) -> tuple[str, str]:
    request, cl = _changelist(model_admin, user, query)
    context = {"request": request}
    unfold = render_to_string("admin/change_list_results.html", result_list(context, cl))
    lean = render_to_string("admin/lean_change_list_results.html", lean_result_list(context, cl))
    return _normalized(unfold), _normalized(lean)


def test_the_order_list_rows_are_unfolds_rows(superuser, place_order, product, location):
    # given: a draft, a placed order of a customer with a company, a paid one, one with a <script> name
    factories.stock(product, location, 10)
    place_order([(product, 1)], place=False)
    company = factories.CustomerFactory(name="Ann", company="Bulk & Co")
    place_order([(product, 2)], customer=company)
    place_order([(product, 1)], customer=factories.CustomerFactory(name="<script>x</script>"))
    # when
    unfold, lean = _both(site._registry[Order], superuser)
    # then
    assert lean == unfold
    assert lean.count('<tbody class="block relative lg:table-row-group') == 3
    assert "&lt;script&gt;" in lean and "<script>x" not in lean
    assert "Bulk &amp; Co" in lean


@pytest.mark.parametrize("query", [{}, {"q": "nothing-matches-this"}, {"tab": "draft"}])
def test_the_order_list_is_unfolds_with_filters_and_when_empty(superuser, place_order, product, location, query):
    # given
    factories.stock(product, location, 10)
    place_order([(product, 1)])
    place_order([(product, 1)], place=False)
    # when
    unfold, lean = _both(site._registry[Order], superuser, query)
    # then: the change links keep the filters (`_changelist_filters`), the empty list shows unfold's notice
    assert lean == unfold


def test_the_ledger_rows_are_unfolds_rows(superuser, product, location):
    # given: a receipt and an adjustment (datetimes, a foreign key, choices, signed integers, an actor)
    factories.stock(product, location, 10)
    stock_adjust(product=product, location=location, quantity=-3, reason="broken", actor=superuser)
    # when
    unfold, lean = _both(site._registry[StockMovement], superuser)
    # then
    assert lean == unfold
    assert StockMovement.objects.count() == 2 and lean.count("<tbody") == 2


class _EveryKindOfColumn(ModelAdmin):
    """Columns of every kind the lean renderer reads: auto pk, __str__, char, decimal, FK, boolean field,
    a boolean display method, a method returning a date, a method returning None, two link columns."""

    list_display = ("id", "__str__", "sku", "unit_price", "tax_rate", "active", "cheap", "since", "nothing")
    list_display_links = ("sku", "unit_price")

    @admin.display(boolean=True, description="cheap")
    def cheap(self, obj):
        return obj.unit_price < Decimal("10")

    @admin.display(description="since")
    def since(self, obj):
        return (timezone.now() - timedelta(days=obj.pk)).date()

    @admin.display(description="nothing", empty_value="(none)")
    def nothing(self, obj):
        return None


def test_every_kind_of_column_reads_as_unfold_reads_it(superuser, tax_rate):
    # given
    factories.ProductFactory(unit_price=Decimal("4.50"), tax_rate=tax_rate, active=False)
    factories.ProductFactory(unit_price=Decimal("1234.50"), tax_rate=tax_rate, name="Mug <b>")
    # when
    unfold, lean = _both(_EveryKindOfColumn(Product, site), superuser)
    # then
    assert lean == unfold
    assert "(none)" in lean and "Mug &lt;b&gt;" in lean


class _Editable(ModelAdmin):
    list_display = ("sku", "name", "active")
    list_editable = ("active",)


def test_an_editable_list_is_left_to_unfold(superuser, product):
    # given
    request, cl = _changelist(_Editable(Product, site), superuser)
    cl.formset = object()  # what changelist_view sets for list_editable
    # then
    assert lean_rows(cl, []) is None
