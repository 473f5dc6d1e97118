"""The order list at any size: keyset pages, capped counts, indexed search, a 404 for an unknown tab.

Orders here come from the bulk loader (orders/bulkload.py), which writes what the services write.
"""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from oms.admin_lists import CappedCount, Cursor, capped_counts, keyset_page
from oms.invariants import run_all
from orders.admin import OrderAdmin
from orders.bulkload import generate
from orders.models import Customer, Order
from orders.selectors.staff import ORDER_TABS

LIST_URL = reverse("admin:orders_order_changelist")
# Queries that read orders on every list page: the tabs' capped counts (one query), the page's rows
# and the list's capped count. The rest (session, user, permissions, the admin's chrome) is the same
# for every admin page; the test holds the totals equal at 5 and 60 orders.
ORDER_QUERIES = 3


def _get(client, **params):
    response = client.get(LIST_URL, params)
    assert response.status_code == 200, response.status_code
    return response


def _numbers(response) -> list[str]:
    return [order.number for order in response.context["cl"].result_list]


def _newest_first() -> list[str]:
    return list(Order.objects.order_by("-created_at", "-id").values_list("number", flat=True))


def _cursor(response, link: str) -> str:
    url = response.context["cl"].page_links[link]
    assert url, f"no {link} link"
    return url.split("cursor=")[1].split("&")[0]


def _requests(client, newest) -> dict[str, dict]:
    """One request per kind of list page: first, next, last, each tab, search by number/company/e-mail."""
    first = _get(client)
    customer = Customer.objects.exclude(company="").order_by("pk").first()
    return {
        "first page": {},
        "next page": {"cursor": _cursor(first, "older")},
        "last page": {"cursor": "last"},
        **{f"tab {tab.slug}": {"tab": tab.slug} for tab in ORDER_TABS},
        "search #number": {"q": f"#{newest[3]}"},
        "search company": {"q": customer.company},
        "search e-mail": {"q": customer.email},
    }


def _query_counts(client) -> dict[str, tuple[int, int]]:
    """(all queries, queries reading orders) per kind of list page."""
    counts = {}
    for name, params in _requests(client, _newest_first()).items():
        with CaptureQueriesContext(connection) as queries:
            _get(client, **params)
        on_orders = [q for q in queries.captured_queries if '"orders_order"' in q["sql"]]
        counts[name] = (len(queries), len(on_orders))
    return counts


@pytest.mark.django_db
def test_every_list_page_takes_the_same_queries_for_5_or_60_orders(client, desk, monkeypatch):
    # given: 2 orders a page, so that 5 orders have a next page too
    monkeypatch.setattr(OrderAdmin, "list_per_page", 2)
    generate(orders=5, seed=3)
    client.force_login(desk)
    at_5 = _query_counts(client)
    # when
    generate(orders=55, seed=4)
    at_60 = _query_counts(client)
    # then
    assert at_60 == at_5
    assert {name: on_orders for name, (_, on_orders) in at_60.items()} == dict.fromkeys(at_60, ORDER_QUERIES)


@pytest.mark.django_db
def test_pages_by_key_list_every_order_once_newest_first_and_back(client, desk, settings):
    # given: 120 orders, 50 a page
    generate(orders=120, seed=5)
    expected = _newest_first()
    client.force_login(desk)
    # when: following "Next" to the end
    pages, params = [], {}
    while True:
        response = _get(client, **params)
        pages.append(_numbers(response))
        if not response.context["cl"].page_links["older"]:
            break
        params = {"cursor": _cursor(response, "older")}
    # then
    assert [n for page in pages for n in page] == expected
    assert [len(page) for page in pages] == [50, 50, len(expected) - 100]
    back = _get(client, cursor=_cursor(response, "newer"))
    assert _numbers(back) == pages[1]
    last = _get(client, cursor="last")
    assert _numbers(last) == expected[-50:]
    assert last.context["cl"].page_links["older"] is None and _numbers(_get(client, cursor=_cursor(last, "newer")))


@pytest.mark.django_db
def test_oldest_first_the_pages_run_the_other_way():
    # given
    generate(orders=70, seed=6)
    queryset = Order.objects.all()

    def page(cursor):
        return keyset_page(queryset, field="created_at", descending=False, cursor=cursor, per_page=50)

    # when
    first = page(Cursor("first"))
    second = page(first.older)
    back = page(second.newer)
    # then
    oldest_first = list(reversed(_newest_first()))
    assert [o.number for o in first.rows + second.rows] == oldest_first
    assert second.older is None and back.rows == first.rows


@pytest.mark.django_db
def test_the_counts_stop_at_the_cap_and_say_so():
    # given
    generate(orders=12, seed=7)
    # when
    counts = capped_counts({"all": Order.objects.all(), "none": Order.objects.none().filter(pk=0)}, cap=5)
    # then
    assert counts["all"] == 6 and counts["all"].is_capped and str(counts["all"]) == "5+"
    assert counts["none"] == 0 and str(counts["none"]) == "0"
    assert str(CappedCount(1000)) == "1,000" and str(CappedCount(5000)) == "1,000+"


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["nope", "a12", "x1.2", "b-.3", "a99999999999999999999.1"])
def test_a_malformed_page_cursor_is_a_404(client, desk, value):
    client.force_login(desk)
    assert client.get(LIST_URL, {"cursor": value}).status_code == 404


@pytest.mark.django_db
def test_an_unknown_tab_is_a_404_not_every_order(client, desk):
    # given
    generate(orders=5, seed=8)
    client.force_login(desk)
    # when
    response = client.get(LIST_URL, {"tab": "refunded-ish"})
    # then
    assert response.status_code == 404
    assert b"refunded-ish" in response.content or response.status_code == 404


def test_a_cursor_reads_back_what_it_wrote():
    from datetime import UTC, datetime

    cursor = Cursor("after", datetime(2026, 11, 30, 13, 22, 1, 123456, tzinfo=UTC), 42)
    assert Cursor.decode(cursor.encode()) == cursor
    assert Cursor.decode("last") == Cursor("last") and Cursor.decode(None) == Cursor("first")


@pytest.mark.django_db
def test_generate_orders_writes_every_status_and_passes_the_auditor():
    # when
    call_command("generate_orders", orders=300, seed=11, stdout=open("/dev/null", "w"))  # noqa: SIM115
    # then
    broken = {rule.name: rows for rule, rows in run_all() if rows}
    assert broken == {}
    assert Order.objects.count() > 300  # split-off orders come on top
    for field, values in (
        ("status", Order.Status.values),
        ("fulfillment_status", Order.FulfillmentStatus.values),
        ("payment_status", Order.PaymentStatus.values),
    ):
        assert set(values) <= set(Order.objects.values_list(field, flat=True)), field
    assert Order.objects.filter(parent__isnull=False).exists()
    assert Order.objects.filter(family_expected_total__isnull=False).exists()


@pytest.fixture
def searchable(db):
    """Generated orders plus one known family: a root with a split-off order, a company and a reference."""
    generate(orders=150, seed=9)
    root = Order.objects.filter(parent__isnull=True, family__isnull=False).order_by("pk").first()
    assert root is not None, "the loader made no split family"
    customer = root.customer
    customer.company, customer.email, customer.name = "Zeeman Tegels BV", "inkoop@zeeman-tegels.test", "Xander Quist"
    customer.save()
    Order.objects.filter(pk=root.pk).update(external_reference="AMZ-77123")
    return root


def _search(client, term) -> set[str]:
    return set(_numbers(_get(client, q=term)))


@pytest.mark.parametrize(
    "term",
    [
        "Zeeman",
        "zeeman tegels",
        "TEGELS BV",
        "inkoop@zeeman-tegels.test",
        "zeeman-tegels",
        "Quist",
        "amz-771",
        "AMZ-77123",
    ],
)
def test_search_by_company_e_mail_name_or_reference_finds_the_customer_s_orders(client, desk, searchable, term):
    # given
    client.force_login(desk)
    expected = set(Order.objects.filter(customer=searchable.customer).values_list("number", flat=True))
    if term.upper().startswith("AMZ"):
        expected = {searchable.number}
    # when / then
    assert _search(client, term) == expected


@pytest.mark.parametrize("form", ["{n}", "#{n}", "# {n}", " #{n} "])
def test_search_by_number_with_or_without_hash_finds_the_order_and_its_split_orders(client, desk, searchable, form):
    client.force_login(desk)
    family = {searchable.number, f"{searchable.number}-1"}
    assert _search(client, form.format(n=searchable.number)) == family


def test_search_by_split_number_finds_only_that_order(client, desk, searchable):
    client.force_login(desk)
    assert _search(client, f"#{searchable.number}-1") == {f"{searchable.number}-1"}
    assert _search(client, f"{searchable.number}-9") == set()


def test_every_tab_has_a_partial_index_with_the_same_condition():
    """The tabs (orders/selectors/staff.py) and the indexes (Order.Meta) are written apart: keep them equal."""

    def where(q) -> str:
        sql, params = Order.objects.filter(q).order_by().values("pk").query.sql_with_params()
        return sql.split(" WHERE ", 1)[1] % tuple(repr(str(p)) for p in params)

    index_conditions = {where(index.condition) for index in Order._meta.indexes if index.condition is not None}
    for tab in ORDER_TABS:
        if tab.condition:
            assert where(tab.condition) in index_conditions, tab.slug
    assert any(index.fields == ["created_at", "id"] and index.condition is None for index in Order._meta.indexes)


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_reads_each_tab_and_search_through_an_index(client, desk):
    """With sequential scans and sorts priced out, every list query must have an index that can serve it
    in the list's order (on a table this small the planner would rightly prefer to sort)."""
    from orders.selectors.staff import order_list_for_staff, order_list_for_tab, order_search

    generate(orders=30, seed=10)
    base = order_list_for_staff().order_by("-created_at", "-id")
    queries = {f"tab {tab.slug}": order_list_for_tab(base, tab.slug) for tab in ORDER_TABS[1:]}
    queries["all"] = base
    email = Customer.objects.order_by("pk").values_list("email", flat=True).first()
    searches = {
        "number": order_search(base, "#10042"),
        "company": order_search(base, "Koffie"),
        "e-mail": order_search(base, email),
    }
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off; SET enable_sort = off; SET enable_bitmapscan = off")
        for name, queryset in queries.items():
            plan = queryset[:51].explain()
            assert "Seq Scan on orders_order" not in plan, (name, plan)
            assert "Seq Scan on orders_customer" not in plan, (name, plan)
            if name.startswith("tab "):
                assert "order_tab_" in plan, (name, plan)
        cursor.execute("RESET enable_sort; RESET enable_bitmapscan")
        for name, queryset in searches.items():  # a few matches, sorted: no ordered scan needed
            plan = queryset[:51].explain()
            assert "Seq Scan on orders_order" not in plan, (name, plan)
            assert "Seq Scan on orders_customer" not in plan, (name, plan)
        cursor.execute("RESET enable_seqscan; RESET enable_sort; RESET enable_bitmapscan")


@pytest.mark.django_db
def test_the_stock_ledger_pages_by_key_and_finds_a_reference_or_a_product(client, warehouse):
    from catalog.models import StockMovement

    # given
    generate(orders=30, seed=12)
    client.force_login(warehouse)
    url = reverse("admin:catalog_stockmovement_changelist")
    order = Order.objects.filter(status=Order.Status.PLACED).order_by("pk").first()
    sku = order.lines.order_by("pk").first().sku
    # when
    first = client.get(url)
    by_reference = client.get(url, {"q": order.number})
    by_sku = client.get(url, {"q": sku.lower()})
    # then
    newest = list(StockMovement.objects.order_by("-created_at", "-id").values_list("pk", flat=True)[:100])
    assert [m.pk for m in first.context["cl"].result_list] == newest
    assert {m.pk for m in by_reference.context["cl"].result_list} == set(
        StockMovement.objects.filter(reference=order.number).values_list("pk", flat=True)
    )
    found = by_sku.context["cl"].result_list
    assert found and all(m.level.product.sku == sku for m in found)
