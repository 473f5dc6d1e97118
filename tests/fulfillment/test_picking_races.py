"""Picking races on PostgreSQL: real threads, each on its own connection; no deadlock, no lost completion."""

import threading

import pytest
from django.db import connection

from fulfillment.models import PickList, PickListLine
from fulfillment.services.picking import pick_line_pick, pick_list_create
from orders.models import Order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ITERATIONS = 8


def run_together(*works) -> list:
    """Run each callable in its own thread, released at the same moment; what each returned or raised."""
    barrier = threading.Barrier(len(works))
    results: list = [None] * len(works)

    def run(i, work):
        try:
            barrier.wait(timeout=30)
            results[i] = work()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, work)) for i, work in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_ticking_the_last_two_lines_of_a_wave_at_once_completes_it(pending_order, location):
    for _ in range(ITERATIONS):
        # given a wave of two orders, one line each
        orders = [pending_order(1, 0, 0), pending_order(0, 1, 0)]
        wave = pick_list_create(location_id=location.pk, order_ids=[o.pk for o in orders])
        first, second = wave.pick_list.lines.order_by("pk")
        # when two staff tick them at the same moment
        results = run_together(lambda: pick_line_pick(line_id=first.pk), lambda: pick_line_pick(line_id=second.pk))
        # then both ticks went through and the list is done
        assert all(isinstance(r, PickListLine) for r in results), results
        assert PickList.objects.get(pk=wave.pick_list.pk).status == PickList.Status.DONE


def test_two_waves_over_families_locked_in_opposite_pk_order_never_deadlock(pending_order, location):
    for _ in range(ITERATIONS):
        # given orders a < b < c < d where c's family root is b and d's is a (as a split leaves them)
        a, b, c, d = (pending_order(1, 1, 0) for _ in range(4))
        Order.objects.filter(pk=c.pk).update(root=b)
        Order.objects.filter(pk=d.pk).update(root=a)
        # when two waves take them at once (by plain pk order one would take b then a, the other a then b)
        results = run_together(
            lambda: pick_list_create(location_id=location.pk, order_ids=[c.pk, d.pk]),
            lambda: pick_list_create(location_id=location.pk, order_ids=[a.pk, c.pk]),
        )
        # then no deadlock, and every shipment line is on exactly one list
        assert not [r for r in results if isinstance(r, Exception)], results
        lines = PickListLine.objects.filter(shipment__order__in=[a, c, d])
        assert lines.count() == len(set(lines.values_list("shipment_line_id", flat=True))) == 6
