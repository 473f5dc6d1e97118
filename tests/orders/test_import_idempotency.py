"""Import API idempotency: only imported orders answer a repeat, a repeat with another body is a conflict,
and one customer per e-mail address however many orders for it arrive at once."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog.models import StockLevel
from orders.models import Channel, ChannelImport, Customer, Order, OrderEvent
from orders.services.channel_import import customer_get_or_create, payload_digest
from tests.factories import ChannelFactory, CustomerFactory, UserFactory, stock
from tests.orders.test_api import TOKEN, URL, payload
from tests.threads import run_together


@pytest.fixture
def api_channel(db):
    return ChannelFactory(code="market", name="Marketplace", api_token_digest=Channel.digest(TOKEN))


@pytest.fixture
def post(client, api_channel, shop):
    def _post(body):
        headers = {"Authorization": f"Bearer {TOKEN}"}
        data = body if isinstance(body, str) else json.dumps(body)
        return client.post(URL, data=data, content_type="application/json", headers=headers)

    return _post


def _state() -> tuple:
    return (
        list(Order.objects.order_by("pk").values_list("pk", "status", "total_gross", "customer_id")),
        Customer.objects.count(),
        list(StockLevel.objects.order_by("pk").values_list("on_hand", "allocated")),
        OrderEvent.objects.count(),
    )


@pytest.mark.django_db
def test_a_draft_typed_with_the_external_reference_is_not_an_import_and_is_never_returned(
    post, place_order, api_channel, product, location
):
    # given a draft that staff typed for this channel with reference M-1001
    stock(product, location, 10)
    draft = place_order([(product, 1)], place=False, channel=api_channel, external_reference="M-1001")
    before = _state()
    # when the channel imports its order M-1001
    response = post(payload())
    # then the draft is not answered as the import: 409 naming it, and nothing changed
    assert response.status_code == 409
    assert (response.json()["error"], response.json()["number"]) == ("external_reference_in_use", draft.number)
    assert _state() == before


@pytest.mark.django_db
def test_a_repeat_with_the_same_body_in_another_spelling_returns_the_order(post, product, location):
    # given
    stock(product, location, 10)
    first = post(payload(shipping_fee="4.90"))
    # when the same order is sent again with its amounts written differently and its keys in another order
    again = dict(reversed(list(payload(shipping_fee="FEE").items())))
    second = post(json.dumps(again).replace('"FEE"', "4.9"))  # a JSON number this time
    # then it is recognised as the same order
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["number"] == first.json()["number"]
    assert ChannelImport.objects.get().body_sha256 == payload_digest_of(payload(shipping_fee="4.90"))


def payload_digest_of(body: dict) -> str:
    from orders.api_forms import validate_order_payload

    cleaned, errors = validate_order_payload(json.loads(json.dumps(body), parse_float=Decimal))
    assert not errors
    return payload_digest(cleaned)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changed",
    [
        {"lines": [{"sku": "MUG-1", "quantity": 3}]},
        {"customer": {"email": "bob@example.com", "name": "Bob"}},
        {"shipping_fee": "1.00"},
        {"memo": "Ring twice"},
    ],
    ids=["quantity", "customer", "shipping", "memo"],
)
def test_a_repeat_of_an_external_id_with_another_body_is_409_naming_the_order_and_changes_nothing(
    post, product, location, changed
):
    # given
    stock(product, location, 10)
    first = post(payload()).json()
    before = _state()
    # when
    response = post(payload(**changed))
    # then
    assert response.status_code == 409
    body = response.json()
    assert (body["error"], body["number"]) == ("idempotency_conflict", first["number"])
    assert first["number"] in body["message"]
    assert _state() == before


@pytest.mark.django_db
def test_orders_imported_before_hashes_were_kept_still_answer_a_repeat(post, product, location):
    # given an import recorded without a body hash (as the migration records earlier imports)
    stock(product, location, 10)
    first = post(payload()).json()
    ChannelImport.objects.update(body_sha256="")
    # when
    response = post(payload(memo="sent again by an older channel client"))
    # then
    assert (response.status_code, response.json()["number"]) == (200, first["number"])


@pytest.mark.django_db
def test_the_customer_is_found_by_its_normalised_email_through_the_unique_index(db):
    # given
    known = CustomerFactory(email="Ann@Example.com")
    # when
    with CaptureQueriesContext(connection) as queries:
        found = customer_get_or_create(email="  ann@EXAMPLE.com ", name="Ann")
    # then: one query, on the expression the unique index is built on
    assert found == known
    assert len(queries.captured_queries) == 1
    assert 'lower(trim("orders_customer"."email"))' in queries.captured_queries[0]["sql"].lower()


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_email_lookup_is_an_index_scan_on_postgresql(db):
    # given
    CustomerFactory(email="ann@example.com")
    query = Customer.objects.with_email(" Ann@example.com")
    # when the planner may not fall back to reading the table
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = query.explain()
    # then it reads the unique index on the normalised address
    assert "customer_email_normalised_unique" in plan


@pytest.mark.django_db
def test_two_customers_with_one_address_in_other_spellings_are_refused_by_the_database(db):
    from django.db import IntegrityError, transaction

    CustomerFactory(email="ann@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerFactory(email=" ANN@example.com")
    assert Customer.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_parallel_orders_for_one_new_email_create_one_customer(product, location, shop):
    # given
    ChannelFactory(code="market", name="Marketplace", api_token_digest=Channel.digest(TOKEN))
    stock(product, location, 100)
    bodies = iter(
        json.dumps(payload(external_id=f"M-{n}", customer={"email": "New.Buyer@example.com", "name": "New"}))
        for n in range(10)
    )

    def post():
        response = Client().post(
            URL, data=next(bodies), content_type="application/json", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        return response.status_code

    # when ten orders for the same new customer arrive at once
    results = run_together(10, post)
    # then all ten are placed, for one customer
    assert results == [201] * 10
    assert Customer.objects.count() == 1
    assert set(Order.objects.values_list("customer__email", flat=True)) == {"New.Buyer@example.com"}
    assert Order.objects.filter(status=Order.Status.PLACED).count() == 10
    assert ChannelImport.objects.count() == 10


MIGRATION = "orders.migrations.0006_channel_import_customer_email"


@pytest.mark.django_db
def test_the_migration_merges_customers_sharing_an_email_so_the_unique_index_can_be_built(
    place_order, product, location, customer
):
    # given customers made before the unique index: two share an address in other spellings, each with orders
    import importlib

    from django.apps import apps

    from orders.models import Address

    migration = importlib.import_module(MIGRATION)
    stock(product, location, 10)
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX customer_email_normalised_unique")
    first = CustomerFactory(email="ann@example.com", name="Ann", notes="VIP")
    second = CustomerFactory(email=" Ann@Example.com ", name="Ann B", user=UserFactory(email="ann@example.com"))
    other = CustomerFactory(email="bob@example.com")
    Address.objects.create(customer=second, name="Ann B", street="Dijk 2", postal_code="1000 AB", city="Edam")
    orders = [place_order([(product, 1)], customer=c) for c in (first, second, second, other)]
    # when the migration's merge runs
    with connection.schema_editor(atomic=False) if connection.vendor == "postgresql" else _no_editor() as editor:
        migration.merge_duplicate_customers(apps, editor)
    # then the oldest customer holds every order and address of that address, and the index builds
    assert sorted(Customer.objects.exclude(pk=customer.pk).values_list("pk", flat=True)) == [first.pk, other.pk]
    assert [Order.objects.get(pk=o.pk).customer_id for o in orders] == [first.pk, first.pk, first.pk, other.pk]
    assert list(Address.objects.filter(street="Dijk 2").values_list("customer_id", flat=True)) == [first.pk]
    first.refresh_from_db()
    assert first.notes == f"VIP\nMerged customer #{second.pk} (Ann B,  Ann@Example.com ) into this one (same e-mail)."
    assert first.user.email == "ann@example.com"  # the duplicate's sign-in now opens the merged customer
    with connection.cursor() as cursor:
        cursor.execute("CREATE UNIQUE INDEX customer_email_normalised_unique ON orders_customer (LOWER(TRIM(email)))")


class _no_editor:
    """SQLite refuses a schema editor inside the test's transaction; the merge needs only `.connection`."""

    connection = connection

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, sql):
        raise AssertionError(sql)
