"""The warehouse API: POST /api/shipments/<id>/events, token, idempotent on the event id, JSON refusals."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fulfillment.models import Shipment, WarehouseConnection, WarehouseEvent
from fulfillment.services.handoff import shipment_recall_request, shipment_release, warehouse_token_issue
from fulfillment.services.holds import shipment_hold
from fulfillment.services.shipments import shipments_create
from orders.models import Channel
from tests.snapshots import rows_snapshot
from tests.threads import run_together

pytestmark = pytest.mark.django_db
TOKEN = "wms-token-for-tests"


@pytest.fixture
def connection(db):
    return WarehouseConnection.objects.create(name="Main WMS", api_token_digest=Channel.digest(TOKEN))


@pytest.fixture
def shipment(mug_order, warehouse):
    (shipment,) = shipments_create(order_id=mug_order.pk)
    return shipment_release(shipment_id=shipment.pk, actor=warehouse)


def post(shipment_id, body, token=TOKEN, raw=None):
    data = raw if raw is not None else json.dumps(body)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client().post(
        f"/api/shipments/{shipment_id}/events", data=data, content_type="application/json", headers=headers
    )


def state():
    return (
        rows_snapshot(),
        list(Shipment.objects.order_by("pk").values_list("status", "handoff_status", "warehouse_status", "carrier")),
        WarehouseEvent.objects.count(),
    )


SHIPPED = {
    "event_id": "evt-1",
    "type": "shipped",
    "carrier": "PostNL",
    "tracking_code": "3S0001",
    "tracking_url": "https://track.example/3S0001",
    "occurred_at": "2026-11-30T10:00:00Z",
}


def test_shipped_ships_the_shipment_once_and_a_repeat_answers_the_first_answer(connection, shipment, mug_order):
    # when
    first = post(shipment.pk, SHIPPED)
    after_first = state()
    again = post(shipment.pk, SHIPPED)
    # then
    assert first.status_code == 200, first.content
    assert first.json()["shipment"]["status"] == "shipped" and first.json()["shipment"]["tracking_code"] == "3S0001"
    assert (again.status_code, again.json()) == (200, first.json())
    assert again["Idempotent-Replayed"] == "true" and first["Idempotent-Replayed"] == "false"
    assert state() == after_first
    shipped = mug_order.events.get(type="shipped")
    assert shipped.source == "api" and shipped.actor is None


DELIVERED = {"event_id": "dlv-1", "type": "delivered", "occurred_at": "2026-12-01T09:30:00Z"}


def test_delivered_after_shipped_delivers_the_shipment_and_the_order_stays_shipped(connection, shipment, mug_order):
    assert post(shipment.pk, SHIPPED).status_code == 200
    # when
    response = post(shipment.pk, DELIVERED)
    # then
    assert response.status_code == 200, response.content
    assert response.json()["shipment"]["status"] == "delivered"
    shipment.refresh_from_db()
    mug_order.refresh_from_db()
    assert shipment.status == Shipment.Status.DELIVERED and shipment.delivered_at is not None
    assert mug_order.fulfillment_status == "fulfilled"  # the order has no delivered state
    delivered = mug_order.events.get(type="shipment_delivered")
    assert delivered.source == "api" and delivered.actor is None


def test_delivered_before_shipped_is_a_409_naming_why_and_changes_nothing(connection, shipment):
    before = state()
    response = post(shipment.pk, DELIVERED)
    assert response.status_code == 409 and response["Content-Type"] == "application/json"
    assert response.json()["message"] == f"Shipment {shipment.number} is not shipped; it cannot be marked delivered."
    assert state() == before


def test_delivered_repeated_is_idempotent_under_the_same_or_a_new_event_id(connection, shipment, mug_order):
    post(shipment.pk, SHIPPED)
    first = post(shipment.pk, DELIVERED)
    delivered_at = Shipment.objects.get(pk=shipment.pk).delivered_at
    # when: the same event again, then the same delivery under another event id
    again = post(shipment.pk, DELIVERED)
    other_id = post(shipment.pk, {**DELIVERED, "event_id": "dlv-2"})
    # then
    assert (again.status_code, again.json(), again["Idempotent-Replayed"]) == (200, first.json(), "true")
    assert other_id.status_code == 200 and other_id.json()["shipment"] == first.json()["shipment"]
    assert Shipment.objects.get(pk=shipment.pk).delivered_at == delivered_at
    assert mug_order.events.filter(type="shipment_delivered").count() == 1


def test_the_same_event_id_with_another_body_is_a_conflict(connection, shipment):
    post(shipment.pk, SHIPPED)
    before = state()
    response = post(shipment.pk, {**SHIPPED, "tracking_code": "OTHER"})
    assert response.status_code == 409 and response.json()["error"] == "idempotency_conflict"
    assert state() == before


def test_tracking_and_status_are_recorded_without_shipping(connection, shipment, mug_order):
    tracking = {"event_id": "t-1", "type": "tracking", "carrier": "DHL", "tracking_code": "JJD1"}
    assert post(shipment.pk, tracking).status_code == 200
    response = post(shipment.pk, {"event_id": "s-1", "type": "status", "status_text": "Picking"})
    assert response.status_code == 200
    shipment.refresh_from_db()
    assert (shipment.status, shipment.carrier, shipment.tracking_code, shipment.warehouse_status) == (
        "pending", "DHL", "JJD1", "Picking",
    )  # fmt: skip
    assert mug_order.events.filter(type="shipment_warehouse_update").count() == 2


def test_the_warehouse_accepts_or_rejects_a_recall(connection, shipment, desk):
    shipment_recall_request(shipment_id=shipment.pk, actor=desk)
    response = post(shipment.pk, {"event_id": "r-1", "type": "recall_rejected", "status_text": "Packed"})
    assert response.json()["shipment"]["handoff_status"] == "released"
    shipment_recall_request(shipment_id=shipment.pk, actor=desk)
    response = post(shipment.pk, {"event_id": "r-2", "type": "recall_accepted"})
    assert response.status_code == 200 and response.json()["shipment"]["handoff_status"] == "not_released"
    before = state()
    response = post(shipment.pk, {"event_id": "r-3", "type": "recall_accepted"})
    assert response.status_code == 409 and "no recall is waiting" in response.json()["message"]
    assert state() == before


def test_a_refused_event_keeps_nothing_so_it_can_be_posted_again(connection, mug_order, anna, warehouse):
    (shipment,) = shipments_create(order_id=mug_order.pk)
    hold = shipment_hold(shipment_id=shipment.pk, reason="address_check", actor=anna)
    before = state()
    refused = post(shipment.pk, SHIPPED)
    assert refused.status_code == 409 and refused.json()["message"].startswith("On hold: address check (Anna")
    assert state() == before
    from fulfillment.services.holds import shipment_hold_release

    shipment_hold_release(hold_id=hold.pk, actor=anna)
    assert post(shipment.pk, SHIPPED).status_code == 200


def test_shipped_while_a_recall_is_requested_rejects_the_recall(connection, shipment, desk):
    shipment_recall_request(shipment_id=shipment.pk, actor=desk)
    response = post(shipment.pk, SHIPPED)
    assert response.status_code == 200
    shipment.refresh_from_db()
    assert (shipment.status, shipment.handoff_status) == ("shipped", "released")


@pytest.mark.parametrize(
    "body, field",
    [
        ({**SHIPPED, "tracking_url": "javascript:alert(1)"}, "tracking_url"),
        ({**SHIPPED, "tracking_url": "ftp://x.example/1"}, "tracking_url"),
        ({**SHIPPED, "type": "teleported"}, "type"),
        ({**SHIPPED, "carrier": "x" * 61}, "carrier"),
        ({**SHIPPED, "tracking_code": "A\x00B"}, "tracking_code"),
        ({**SHIPPED, "tracking_code": 12}, "tracking_code"),
        ({**SHIPPED, "event_id": ""}, "event_id"),
        ({**SHIPPED, "event_id": "e" * 101}, "event_id"),
        ({**SHIPPED, "occurred_at": "yesterday"}, "occurred_at"),
        ({**SHIPPED, "occurred_at": "2026-11-30T10:00:00"}, "occurred_at"),
        ({**SHIPPED, "occurred_at": "2026-13-30T10:00:00Z"}, "occurred_at"),
        ({**SHIPPED, "occurred_at": "2999-01-01T10:00:00Z"}, "occurred_at"),
        ({**SHIPPED, "surprise": 1}, "surprise"),
        ({"event_id": "s", "type": "status"}, "status_text"),
        ([SHIPPED], "body"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(connection, shipment, body, field):
    before = state()
    response = post(shipment.pk, body)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"] and field in response.json()["message"]
    assert state() == before


@pytest.mark.parametrize("raw", ['{"event_id": "n", "type": "status", "status_text": NaN}', "{not json", "\xff"])
def test_a_body_that_is_not_json_is_a_400(connection, shipment, raw):
    response = post(shipment.pk, None, raw=raw)
    assert response.status_code == 400 and response.json()["error"] == "invalid_json"


def test_token_size_and_shipment_are_checked(connection, shipment, mug_order, location, second_location):
    assert post(shipment.pk, SHIPPED, token="wrong").status_code == 401
    assert post(shipment.pk, SHIPPED, token="").status_code == 401
    big = post(shipment.pk, None, raw=json.dumps({**SHIPPED, "status_text": "x" * 1_100_000}))
    assert big.status_code == 413 and big.json()["error"] == "body_too_large"
    missing = post(shipment.pk + 999, SHIPPED)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    # a connection serving other locations does not see this shipment
    connection.locations.set([second_location])
    assert post(shipment.pk, SHIPPED).status_code == 404
    connection.locations.set([location])
    assert post(shipment.pk, SHIPPED).status_code == 200
    connection.active = False
    connection.save()
    assert post(shipment.pk, SHIPPED).status_code == 401
    assert Client().get(f"/api/shipments/{shipment.pk}/events").status_code == 405


def test_an_issued_token_works_and_replaces_the_old_one(connection, shipment, superuser):
    token = warehouse_token_issue(connection_id=connection.pk, actor=superuser)
    assert post(shipment.pk, SHIPPED).status_code == 401
    assert post(shipment.pk, SHIPPED, token=token).status_code == 200


FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
NASTY = ["", " ", "NaN", "\x00", "a\udfffb", "\x01", "javascript:x", "https://", "http://x", "9" * 600, "1e400",
         "2026-11-30T10:00:00+25:00", "0000-00-00T00:00:00Z", "shipped", "status", "tracking", "delivered"]  # fmt: skip
value = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.integers(min_value=-(10**25), max_value=10**25),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.just([]),
    st.just({}),
)
KEYS = ["event_id", "type", "carrier", "tracking_code", "tracking_url", "status_text", "occurred_at", "extra"]


@FUZZ
@given(body=st.dictionaries(st.sampled_from(KEYS), value, max_size=8))
def test_fuzzed_events_never_answer_5xx_and_a_refusal_changes_nothing(connection, shipment, body):
    before = state()
    response = post(shipment.pk, body)
    assert response.status_code in (200, 400, 409), (response.status_code, response.content)
    answer = response.json()
    if response.status_code == 400:
        assert answer["errors"] and all(name in answer["message"] for name in answer["errors"])
        assert state() == before
    elif response.status_code == 409:
        assert state() == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_event_posted_twice_at_once_is_recorded_once(mug_order, warehouse):
    WarehouseConnection.objects.create(name="Race WMS", api_token_digest=Channel.digest(TOKEN))
    for round_ in range(10):
        (shipment,) = shipments_create(order_id=mug_order.pk) if round_ == 0 else (None,)
        shipment = shipment or Shipment.objects.get(order=mug_order)
        body = {"event_id": f"race-{round_}", "type": "status", "status_text": f"Step {round_}"}
        results = run_together(2, lambda body=body, pk=shipment.pk: post(pk, body))
        assert sorted(r.status_code for r in results) == [200, 200], results
        assert sorted(r["Idempotent-Replayed"] for r in results) == ["false", "true"]
        assert results[0].json() == results[1].json()
    assert WarehouseEvent.objects.count() == 10
    assert mug_order.events.filter(type="shipment_warehouse_update").count() == 10
