"""Celery tasks of the orders app: thin wrappers that call a service (which makes them idempotent)."""

from celery import shared_task

from .services.expiry import reservations_expire


@shared_task
def reservations_expire_task() -> list[str]:
    """Beat entry `expire-unpaid-reservations` (oms/settings/base.py): cancel unpaid orders past their deadline."""
    return reservations_expire()
