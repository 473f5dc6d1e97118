"""Derived statuses, recomputed in one place under the caller's order lock."""

from ..models import Order


def payment_status_for(order: Order) -> str:
    """From the amounts alone: an order holding more than it needs (cancelled, reduced or credited) has a refund
    due (orders/pricing.py rule 6); a cancelled order that holds nothing is unpaid, never "paid"."""
    S = Order.PaymentStatus
    needed = order.amount_needed  # the total less what credit invoices took off it
    if order.amount_paid > needed:
        return S.REFUND_DUE
    if order.amount_paid <= 0:
        return S.UNPAID if needed > 0 or order.status == Order.Status.CANCELED else S.PAID
    if order.amount_paid < needed:
        return S.PARTIALLY_PAID
    return S.PAID


def fulfillment_status_for(lines) -> str:
    S = Order.FulfillmentStatus
    active = sum(line.quantity_active for line in lines)
    shipped = sum(line.quantity_shipped for line in lines)
    if shipped == 0:
        return S.UNFULFILLED
    return S.FULFILLED if shipped >= active else S.PARTIALLY_FULFILLED


def order_statuses_refresh(order: Order, lines) -> list[str]:
    """Set payment and fulfilment status from amounts and lines; returns the fields that changed."""
    changed = []
    payment = payment_status_for(order)
    if payment != order.payment_status:
        order.set_payment_status(payment)
        changed += ["payment_status", "paid_at"]
        if payment in (Order.PaymentStatus.PAID, Order.PaymentStatus.REFUND_DUE) and order.reservation_expires_at:
            order.reservation_expires_at = None  # paid orders keep their stock
            changed.append("reservation_expires_at")
    fulfillment = fulfillment_status_for(lines)
    if fulfillment != order.fulfillment_status:
        order.set_fulfillment_status(fulfillment)
        changed.append("fulfillment_status")
    return changed
