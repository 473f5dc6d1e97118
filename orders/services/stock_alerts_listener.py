"""The after-commit listener catalog calls with the ids of new low-stock alerts (registered in OrdersConfig)."""

import logging

logger = logging.getLogger("orders")


def stock_alerts_raised(alert_ids: list[int]) -> None:
    from ..tasks import stock_alerts_notify_task

    # The fast path only: if the broker is down, beat's `notify-low-stock` sends them (the rows remember).
    try:
        stock_alerts_notify_task.delay(alert_ids)
    except Exception:  # noqa: BLE001 - a broker outage must not fail the request whose transaction committed
        logger.warning("Low-stock alerts %s left for the beat task (broker unavailable).", alert_ids, exc_info=True)
