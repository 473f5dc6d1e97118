"""Celery tasks of the returns app: fetch by id, call the service (which makes re-runs harmless)."""

from celery import Task, shared_task

from invoicing.providers import ProviderTimeout


class _RefundTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        """Retries exhausted (or an unexpected error): the refund is failed for staff to retry, same key."""
        from .services.refunds import refund_mark_failed

        refund_id = (args or [None])[0] if args else kwargs.get("refund_id")
        if refund_id is not None:
            refund_mark_failed(refund_id=refund_id, message=f"Sending failed: {str(exc)[:150]}")


@shared_task(
    base=_RefundTask, acks_late=True, autoretry_for=(ProviderTimeout,), retry_backoff=5, retry_backoff_max=600,
    max_retries=6,
)  # fmt: skip
def refund_execute_task(refund_id: int) -> str:
    from .services.refunds import refund_execute

    refund = refund_execute(refund_id=refund_id)
    return refund.status if refund else "skipped"


@shared_task
def refund_batch_due_task() -> int | None:
    """Beat entry `refunds-batch-due` (every minute): make today's batch once the shop's batch time passed."""
    from .services.refund_batches import refund_batch_due

    batch = refund_batch_due()
    return batch.pk if batch else None


@shared_task
def refunds_sweep_task() -> int:
    """Beat entry `refunds-sweep`: queue again approved refunds whose sending was lost."""
    from .services.refunds import refunds_sweep

    return refunds_sweep()


@shared_task
def refunds_due_sweep_task() -> int:
    """Beat entry `refunds-due-sweep`: a refund for money owed back that no refund covers yet."""
    from .services.refunds import refunds_due_sweep

    return refunds_due_sweep()
