"""Celery tasks of the fulfilment app: thin wrappers that call a service (which makes them idempotent)."""

from celery import shared_task

from .services.holds import holds_release_due


@shared_task
def holds_release_due_task() -> int:
    """Beat entry `release-due-ship-later-holds` (oms/settings/base.py): "ship later" holds whose date came."""
    return holds_release_due()
