"""Fulfilment's refusals are the order core's: the admin, the API and the services report them alike."""

from orders.exceptions import InvalidTransition, OrderValidationError


class ShipmentError(OrderValidationError):
    """A shipment cannot do what was asked (nothing to ship, already shipped, a bad tracking URL, ...)."""

    code = "shipment_invalid"


class PickError(OrderValidationError):
    """A pick list or pick line cannot do what was asked (nothing to pick, a line already done, ...)."""

    code = "pick_invalid"


__all__ = ["InvalidTransition", "OrderValidationError", "PickError", "ShipmentError"]
