"""The import API against REAL lock conflicts on PostgreSQL (test_api_errors.py simulates them).

Another connection, in a thread, holds row locks with SELECT ... FOR UPDATE while the API request runs:
- held past the API's lock timeout (OMS_API_LOCK_TIMEOUT_MS, PostgreSQL's lock_timeout for the request's
  transaction): both attempts give up, the answer is 503 JSON with Retry-After and nothing is written; the
  same request succeeds once the row is free;
- a real deadlock (40P01): the API's attempt is the victim, rolled back whole, retried, and succeeds.
"""

import logging
import threading
import time

import pytest
from django.db import connection, transaction

from catalog.models import StockLevel
from oms.invariants import run_all
from orders.models import Order
from tests.factories import ProductFactory, stock
from tests.orders import test_api
from tests.orders.test_api import payload
from tests.snapshots import rows_snapshot

api_channel, post = test_api.api_channel, test_api.post  # the import API tests' fixtures

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Holder(threading.Thread):
    """Another connection: locks `first` (FOR UPDATE), says so; with `then`, waits until the API waits for a lock,
    locks `then` and commits as soon as it has them (after the deadlock was broken); else commits on `release`."""

    def __init__(self, first: list[int], then: list[int] = ()):
        super().__init__(daemon=True)
        self.first, self.then = first, list(then)
        self.holding, self.release = threading.Event(), threading.Event()
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            with transaction.atomic():
                list(StockLevel.objects.select_for_update().filter(pk__in=self.first).order_by("pk"))
                self.holding.set()
                if self.then:
                    _wait_until_someone_waits()
                    list(StockLevel.objects.select_for_update().filter(pk__in=self.then).order_by("pk"))
                else:
                    self.release.wait(timeout=30)
        except Exception as exc:  # reported by the test, never swallowed
            self.error = exc
        finally:
            self.holding.set()
            connection.close()  # this thread's own connection


def _wait_until_someone_waits(timeout: float = 10.0) -> None:
    """Until another backend waits for a row lock (pg_locks is live, unlike pg_stat_activity in a transaction)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the API request never waited for the lock")


def _conflicts(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "orders.api" and "lock conflict" in r.getMessage()]


def test_a_stock_level_held_by_another_connection_answers_503_then_the_same_request_succeeds(
    post, product, location, settings, caplog
):
    # given: another connection holds the stock level the order needs
    settings.OMS_API_LOCK_TIMEOUT_MS = 300
    level = stock(product, location, 10)
    holder = Holder(first=[level.pk])
    holder.start()
    assert holder.holding.wait(timeout=10) and holder.error is None
    before = rows_snapshot()
    caplog.set_level(logging.WARNING, logger="orders.api")
    # when
    started = time.monotonic()
    response = post(payload())
    waited = time.monotonic() - started
    # then: both attempts waited their lock timeout, gave up, and nothing was written
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "busy"
    assert int(response["Retry-After"]) > 0
    assert 0.6 <= waited < 10
    assert rows_snapshot() == before
    assert [("attempt 1" in m, "lock timeout" in m) for m in _conflicts(caplog)] == [(True, True), (False, True)]
    # when: the other connection lets go, the channel sends the same request again
    holder.release.set()
    holder.join(timeout=10)
    assert holder.error is None
    again = post(payload())
    # then
    assert again.status_code == 201, again.content
    assert Order.objects.get().number == again.json()["number"]
    assert [(rule.name, found) for rule, found in run_all() if found] == []


def test_a_real_deadlock_rolls_the_import_back_and_the_retry_succeeds(post, location, settings, caplog):
    # given: two products; the other connection holds B's level, and once the API holds A's and waits for B's,
    # it asks for A's: a cycle, which PostgreSQL breaks by failing the transaction that waited longest (the API's)
    settings.OMS_API_LOCK_TIMEOUT_MS = 10_000  # longer than deadlock_timeout (1 s): the deadlock is found first
    a = stock(ProductFactory(sku="MUG-1"), location, 10)
    b = stock(ProductFactory(sku="MUG-2"), location, 10)
    assert a.pk < b.pk  # the API locks levels in pk order: A first, then it waits for B
    holder = Holder(first=[b.pk], then=[a.pk])
    holder.start()
    assert holder.holding.wait(timeout=10) and holder.error is None
    caplog.set_level(logging.WARNING, logger="orders.api")
    # the holder commits once it has A, i.e. once the deadlock was broken; the API's retry then goes on
    # when
    response = post(payload(lines=[{"sku": "MUG-1", "quantity": 1}, {"sku": "MUG-2", "quantity": 1}]))
    holder.join(timeout=20)
    # then: the first attempt was the deadlock's victim, rolled back whole; the retry placed the order once
    assert holder.error is None, holder.error
    assert response.status_code == 201, response.content
    conflicts = _conflicts(caplog)
    assert len(conflicts) == 1 and "attempt 1" in conflicts[0] and "deadlock detected" in conflicts[0], conflicts
    assert Order.objects.count() == 1
    assert [(lv.on_hand, lv.allocated) for lv in StockLevel.objects.order_by("pk")] == [(10, 1), (10, 1)]
    assert [(rule.name, found) for rule, found in run_all() if found] == []
