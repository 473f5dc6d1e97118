"""Celery tasks of the orders app: thin wrappers that call a service (which makes them idempotent)."""

from celery import shared_task

from .services.expiry import reservations_expire


@shared_task
def reservations_expire_task() -> list[str]:
    """Beat entry `expire-unpaid-reservations` (oms/settings/base.py): cancel unpaid orders past their deadline."""
    return reservations_expire()


@shared_task
def stock_alerts_notify_task(alert_ids: list[int] | None = None) -> int:
    """After a commit that raised low-stock alerts (their ids), and from beat (`notify-low-stock`, any alert
    not yet notified): queue their e-mails through the outbox."""
    from .services.stock_alerts import stock_alerts_notify

    return stock_alerts_notify(alert_ids=alert_ids)
