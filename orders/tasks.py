from celery import shared_task


@shared_task
def reservations_expire_task() -> list[str]:
    from orders.services.expiry import reservations_expire

    return reservations_expire()
