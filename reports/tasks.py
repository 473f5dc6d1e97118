"""Celery tasks of the reports app: the roll-up's compaction (reports/rollups.py), run by beat every minute."""

from celery import shared_task


@shared_task
def order_days_compact_task() -> int:
    from .rollups import compact

    return compact()
