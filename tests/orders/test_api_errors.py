"""The import API answers JSON for every error, and a refused import changes nothing."""

import json

import psycopg.errors
import pytest
from django.db import OperationalError
from django.test import Client

from orders.services import channel_import
from tests.factories import stock
from tests.orders import test_api
from tests.orders.test_api import TOKEN, URL, payload
from tests.snapshots import rows_snapshot

api_channel, post = test_api.api_channel, test_api.post  # the import API tests' fixtures

pytestmark = pytest.mark.django_db
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    "raw",
    [
        _nested(100_000),
        '{"a":' * 50_000 + "1" + "}" * 50_000,
        "[]",
        '"an order"',
        "null",
        "12",
        "NaN",
        '{"x": Infinity}',
        b"\xff\xfe not utf-8",
        "",
        '{"external_id": "A"',
    ],
)
def test_a_body_that_is_not_a_json_object_answers_400_in_json(post, product, raw):
    # given
    before = rows_snapshot()
    # when
    response = post(None, raw=raw)
    # then
    assert response.status_code == 400
    assert response.json()["error"] in ("invalid_json", "invalid")
    assert rows_snapshot() == before


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"memo": "note \ud800"}, "memo"),
        ({"customer": {"email": "a@example.com", "name": "Ann \udfff"}}, "customer.name"),
        ({"lines": [{"name": "Gift \ud83d", "quantity": 1, "unit_price": "1", "tax_rate": "21"}]}, "lines[0].name"),
        ({"lines": [{"sku": "MUG-1\ud800", "quantity": 1}]}, "lines[0].sku"),
        ({"external_id": "A\x00B"}, "external_id"),
        ({"lines": [{"sku": "MUG-1", "quantity": "1.0"}]}, "lines[0].quantity"),
        ({"lines": [{"sku": "MUG-1", "quantity": " 3 "}]}, "lines[0].quantity"),
        ({"lines": [{"sku": "MUG-1", "quantity": True}]}, "lines[0].quantity"),
        ({"lines": [{"sku": "MUG-1", "quantity": 9300000000000000000}]}, "lines[0].quantity"),
        ({"lines": [{"sku": "MUG-1", "quantity": 100_000, "unit_price": "1000000"}]}, "lines[0].quantity"),
        ({"lines": [{"name": "Box", "quantity": 1, "unit_price": "1", "tax_rate": "150"}]}, "lines[0].tax_rate"),
        ({"lines": [{"name": "Box", "quantity": 1, "unit_price": "1", "tax_rate": "7"}]}, "lines[0].tax_rate"),
        ({"lines": [{"name": "Box", "quantity": 1, "unit_price": "", "tax_rate": "21"}]}, "lines[0].unit_price"),
        ({"shipping_fee": "9999999999.99"}, "shipping_fee"),
        ({"shipping_fee": "1e400"}, "shipping_fee"),
        ({"shipping_fee": "NaN"}, "shipping_fee"),
        ({"discount": ["1"]}, "discount"),
    ],
)
def test_a_bad_field_answers_400_naming_its_path_and_changes_nothing(
    client, api_channel, shop, product, location, change, path
):
    # given: json.dumps keeps a lone surrogate as the \\ud800 escape, as a channel would send it
    stock(product, location, 10)
    body = json.dumps(payload(**change))
    before = rows_snapshot()
    # when
    response = client.post(URL, data=body, content_type="application/json", headers=AUTH)
    # then
    assert response.status_code == 400, response.content
    assert path in response.json()["errors"], response.json()
    assert rows_snapshot() == before


def test_lines_whose_order_total_outgrows_its_bound_answer_400(post, product, location):
    # given: eleven lines of 100 000 000.00 (each within bounds), together more than an order may be
    stock(product, location, 10)
    lines = [{"name": f"Crate {i}", "quantity": 100, "unit_price": "1000000", "tax_rate": "21"} for i in range(11)]
    before = rows_snapshot()
    # when
    response = post(payload(lines=lines))
    # then
    assert response.status_code == 400
    assert "Order total" in response.json()["message"]
    assert rows_snapshot() == before


def test_a_body_over_the_limit_answers_413_before_it_is_read(client, api_channel, shop, settings):
    # given
    settings.OMS_API_MAX_BODY_BYTES = 1_000_000
    body = '{"memo": "' + "x" * 20_000_000 + '"}'
    # when
    response = client.post(URL, data=body, content_type="application/json", headers=AUTH)
    # then
    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"


def test_unknown_api_paths_and_methods_answer_json(client, api_channel):
    assert client.get("/api/nothing/here/").json()["error"] == "not_found"
    assert client.get("/api/nothing/").status_code == 404
    response = client.get(URL, headers=AUTH)
    assert (response.status_code, response.json()["error"]) == (405, "method_not_allowed")


def test_an_unexpected_error_in_the_api_answers_json_500(api_channel, shop, product, location, monkeypatch):
    # given
    stock(product, location, 10)

    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("orders.api.order_import", broken)
    client = Client(raise_request_exception=False)
    # when
    response = client.post(URL, data=json.dumps(payload()), content_type="application/json", headers=AUTH)
    # then
    assert response.status_code == 500
    assert response.json()["error"] == "server_error"


def _deadlock() -> OperationalError:
    error = OperationalError("deadlock detected")
    error.__cause__ = psycopg.errors.DeadlockDetected("deadlock detected")
    return error


def test_a_lock_conflict_is_retried_once_and_then_succeeds(post, product, location, monkeypatch):
    # given: the first attempt collides with another transaction
    stock(product, location, 10)
    real, calls = channel_import.order_import, []

    def collide_once(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise _deadlock()
        return real(**kwargs)

    monkeypatch.setattr("orders.api.order_import", collide_once)
    # when
    response = post(payload())
    # then
    assert (response.status_code, len(calls)) == (201, 2)


def test_a_lock_conflict_twice_answers_503_with_retry_after(post, product, location, monkeypatch):
    # given
    stock(product, location, 10)
    calls = []

    def always_collide(**kwargs):
        calls.append(1)
        raise _deadlock()

    monkeypatch.setattr("orders.api.order_import", always_collide)
    before = rows_snapshot()
    # when
    response = post(payload())
    # then
    assert (response.status_code, response.json()["error"], len(calls)) == (503, "busy", 2)
    assert int(response["Retry-After"]) > 0
    assert rows_snapshot() == before
