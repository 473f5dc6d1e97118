"""Races in tests: work run in threads released at the same moment, each on its own database connection."""

import threading

from django.db import connection


def run_each(*works) -> list:
    """Run each `work()` in its own thread, released at the same moment; what each returned or raised."""
    barrier, results = threading.Barrier(len(works)), []

    def client(work):
        try:
            barrier.wait(timeout=30)
            results.append(work())
        except Exception as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == len(works)
    return results


def run_together(count: int, work) -> list:
    """Run `work()` in `count` threads released at the same moment; what each returned or raised."""
    return run_each(*[work] * count)
