"""Fuzzing every form a user types into (issue 7 §4): the import API, draft entry, edit staging, split, stock
receive and adjust. Whatever is sent: no 5xx; a refusal names the field; a refused request changes no row
(orders, lines, stock levels, allocations, ledger, outbox, events, payments, customers); and whatever is
accepted can be shown again (its pages answer 200). Runs on SQLite and PostgreSQL."""

import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oms.bounds import text_problem
from orders.models import Channel, Order, StagedEdit
from tests import factories
from tests.snapshots import rows_snapshot

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
NASTY = [
    "", " ", "0", "-1", "1.0", " 3 ", "+2", "1e3", "1e400", "-1e400", "NaN", "-NaN", "sNaN", "Infinity", "-Infinity",
    "9300000000000000000", "99999999999999999999", "9" * 5000, "9999999999.99", "99999999999", "1000000.01", "0.001",
    "1,50", "0x10", "١٢", "\x00", "1\x00", "\ud800", "a\udfffb", "\x01\x1f", "21", "21.00", "150", "999.99", "12.5",
]  # fmt: skip
nasty = st.one_of(
    st.sampled_from(NASTY),
    st.integers(min_value=-(10**21), max_value=10**21).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=30),
)
# A form post is UTF-8 on the wire: a lone surrogate cannot be sent (the browser and the test client refuse).
typed = nasty.filter(lambda text: text_problem(text) is None or "surrogate" not in text_problem(text))
json_value = st.one_of(
    nasty,
    st.integers(min_value=-(10**25), max_value=10**25),
    st.booleans(),
    st.none(),
    st.just([]),
    st.just({}),
)


def _refusal_names(text: str, labels) -> bool:
    return any(label.lower() in text.lower() for label in labels)


@pytest.fixture
def world(db, shop, tax_rate, product, location, channel, customer):
    factories.stock(product, location, 1000)
    factories.TaxRateFactory(name="Reduced", rate=Decimal("9.00"))
    return {"product": product, "location": location, "channel": channel, "customer": customer}


@pytest.fixture
def staff_client(superuser):
    client = Client(raise_request_exception=True)
    client.force_login(superuser)
    return client


# --- the import API -------------------------------------------------------------------------------------------

TOKEN = "fuzz-token"
API_FIELDS = ["shipping_fee", "discount", "memo", "external_id"]
LINE_FIELDS = ["sku", "name", "quantity", "unit_price", "discount", "tax_rate"]


@given(
    order_fields=st.dictionaries(st.sampled_from(API_FIELDS), json_value, max_size=3),
    line_fields=st.dictionaries(st.sampled_from(LINE_FIELDS), json_value, max_size=4),
    email=st.one_of(st.just("ann@example.com"), nasty),
)
@FUZZ
def test_the_import_api_never_errs_and_a_refusal_names_the_field_and_changes_nothing(
    world, staff_client, order_fields, line_fields, email
):
    # given
    Channel.objects.filter(code=world["channel"].code).update(api_token_digest=Channel.digest(TOKEN))
    body = {
        "customer": {"email": email, "name": "Ann"},
        "billing_address": {"name": "Ann", "street": "Canal 1", "postal_code": "1011", "city": "Adam", "country": "NL"},
        "lines": [{"sku": world["product"].sku, "quantity": 1} | line_fields],
    } | order_fields
    body.setdefault("external_id", f"FUZZ-{Order.objects.count()}")
    before = rows_snapshot()
    # when
    response = Client().post(
        "/api/orders/", data=json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"
    )
    # then
    assert response.status_code < 500, response.content
    answer = response.json()
    if response.status_code >= 400:
        named = {path.split(".")[-1].split("[")[0] for path in answer.get("errors", {})}
        sent = {*order_fields, *line_fields, "email", "lines", "quantity", "unit_price"}
        assert named & sent or _refusal_names(answer["message"], ["line", "order total", "sku", "stock"]), answer
        assert rows_snapshot() == before
    else:
        order = Order.objects.get(number=answer["number"])
        assert staff_client.get(reverse("admin:orders_order_change", args=(order.pk,))).status_code == 200


@given(raw=st.one_of(st.binary(max_size=200), st.text(max_size=200), st.recursive(json_value, st.lists, max_leaves=20)))
@FUZZ
def test_the_import_api_answers_any_body_with_json_and_changes_nothing(world, raw):
    # given
    Channel.objects.filter(code=world["channel"].code).update(api_token_digest=Channel.digest(TOKEN))
    data = raw if isinstance(raw, bytes | str) else json.dumps(raw)
    before = rows_snapshot()
    # when
    response = Client().post(
        "/api/orders/", data=data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"
    )
    # then
    assert response.status_code == 400, response.content
    assert response.json()["error"] in ("invalid_json", "invalid")
    assert rows_snapshot() == before


# --- draft entry ------------------------------------------------------------------------------------------------

DRAFT_LABELS = {
    "shipping_fee": "shipping_fee",
    "discount_amount": "discount_amount",
    "memo": "memo",
    "billing_name": "billing_name",
}
DRAFT_LINE_FIELDS = ["name", "quantity", "unit_price", "discount_amount", "tax_rate"]


@given(
    order_fields=st.dictionaries(st.sampled_from(list(DRAFT_LABELS)), typed, max_size=3),
    line_fields=st.dictionaries(st.sampled_from(DRAFT_LINE_FIELDS), typed, max_size=4),
)
@FUZZ
def test_draft_entry_never_errs_and_a_refusal_names_the_field_and_changes_nothing(
    world, staff_client, order_fields, line_fields
):
    # given
    from tests.orders.test_admin_draft_entry import draft_post

    line = {"name": "Crate", "quantity": "1", "unit_price": "2.00", "tax_rate": "21"} | line_fields
    data = draft_post(world["customer"], world["channel"], [line], **order_fields)
    before = rows_snapshot()
    # when
    response = staff_client.post(reverse("admin:orders_order_add"), data)
    # then
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        form = response.context["adminform"].form
        formset = response.context["inline_admin_formsets"][0].formset
        named = {*form.errors, *(field for errors in formset.errors for field in errors)}
        assert named - {"__all__"} or _refusal_names(str(formset.non_form_errors()), ["total", "discount"])
        assert rows_snapshot() == before
    else:
        order = Order.objects.latest("pk")
        assert staff_client.get(reverse("admin:orders_order_change", args=(order.pk,))).status_code == 200
        assert staff_client.get(reverse("admin:orders_order_changelist")).status_code == 200


# --- edit staging and split ----------------------------------------------------------------------------------------


@pytest.fixture
def placed(world, place_order):
    return place_order([(world["product"], 3)])


EDIT_FIELDS = {
    "qty": "Quantity of",
    "shipping_fee": "Shipping fee",
    "custom_price": "Price",
    "custom_tax_rate": "Tax rate",
    "custom_qty": "Quantity",
    "new_qty": "Quantity",
}


@given(fields=st.dictionaries(st.sampled_from(list(EDIT_FIELDS)), typed, min_size=1, max_size=3))
@FUZZ
def test_edit_staging_never_errs_and_a_refusal_names_the_field_and_changes_nothing(placed, staff_client, fields):
    # given
    line = placed.lines.get()
    post = {"action": "update", "custom_name": "Crate", "new_sku": "MUG-1"} if {
        "custom_price", "custom_tax_rate", "custom_qty", "new_qty"
    } & set(fields) else {"action": "update"}  # fmt: skip
    post |= {(f"qty_{line.pk}" if key == "qty" else key): value for key, value in fields.items()}
    post.setdefault("custom_price", "1.00")
    post.setdefault("custom_tax_rate", "21.00")
    page = reverse("admin:orders_order_page", args=(placed.pk, "edit"))
    StagedEdit.objects.filter(order=placed).delete()
    before = rows_snapshot()
    # when
    response = staff_client.post(page, post, follow=True)
    # then
    assert response.status_code == 200
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    if errors:
        assert _refusal_names(errors[0], [EDIT_FIELDS[key] for key in fields] + ["SKU"]), (errors, fields)
        assert not StagedEdit.objects.filter(order=placed).exclude(changes={}).exists()
    assert rows_snapshot() == before  # staging never changes the order
    assert staff_client.get(page).status_code == 200


@given(move=typed, reason=st.one_of(st.sampled_from(["backorder", "other", ""]), typed))
@FUZZ
def test_the_split_form_never_errs_and_a_refusal_names_the_field_and_changes_nothing(
    placed, staff_client, move, reason
):
    # given
    line = placed.lines.get()
    before = rows_snapshot()
    # when
    response = staff_client.post(
        reverse("admin:orders_order_page", args=(placed.pk, "split")),
        {f"move_{line.pk}": move, "reason": reason, "note": ""},
        follow=True,
    )
    # then
    assert response.status_code == 200
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    if errors:
        assert _refusal_names(errors[0], ["Units of", "reason", "units", "move", "split"]), errors
        assert rows_snapshot() == before


# --- stock ------------------------------------------------------------------------------------------------------------


@given(
    url=st.sampled_from(["admin:catalog_stock_receive", "admin:catalog_stock_adjust"]),
    quantity=typed,
    reason=st.one_of(st.just("count"), typed),
    reference=st.one_of(st.just(""), typed),
)
@FUZZ
def test_stock_receive_and_adjust_never_err_and_a_refusal_names_the_field_and_changes_nothing(
    world, staff_client, url, quantity, reason, reference
):
    # given
    data = {"product": world["product"].pk, "location": world["location"].pk, "quantity": quantity}
    data |= {"reason": reason, "reference": reference}
    before = rows_snapshot()
    # when
    response = staff_client.post(reverse(url), data)
    # then
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        errors = response.context["form"].errors
        assert set(errors) - {"__all__"} or _refusal_names(str(errors), ["quantity", "sellable", "reason"]), errors
        assert rows_snapshot() == before
    else:
        assert staff_client.get(reverse("admin:catalog_stocklevel_changelist")).status_code == 200
