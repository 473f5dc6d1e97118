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


@shared_task(acks_late=True)
def refund_execute_many_task(refund_ids: list) -> int:
    """Send many approved refunds in turn: a batch publishes one task per chunk instead of one per refund (ten
    thousand messages cost the broker and the workers more than the refunds themselves). Re-running a chunk
    (acks_late: a worker killed mid-chunk) is harmless, as each refund is sent at most once. A refund whose
    provider timed out, or that failed unexpectedly, goes on as its own task, which retries and in the end marks
    it failed for staff. An item is a refund id, or [refund id, order id] (a batch's approval knows the orders)."""
    import logging

    from .services.refunds import refund_execute

    sent = 0
    for item in refund_ids:
        refund_id, order_id = item if isinstance(item, list | tuple) else (item, None)
        try:
            sent += refund_execute(refund_id=refund_id, order_id=order_id) is not None
        except Exception:
            logging.getLogger(__name__).warning("Refund %s: sent again on its own.", refund_id, exc_info=True)
            refund_execute_task.apply_async((refund_id,), countdown=5)
    return sent


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
