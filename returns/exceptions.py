"""Returns' refusals are the order core's: the admin, the storefront and the services report them alike."""

from orders.exceptions import InvalidTransition, OrderNotFound, OrderValidationError


class ReturnError(OrderValidationError):
    """A return or return request cannot do what was asked (too many units, a line not shipped, ...)."""

    code = "return_invalid"


def refuse(field: str, message: str) -> ReturnError:
    return ReturnError(message, details={"field": field})


__all__ = ["InvalidTransition", "OrderNotFound", "OrderValidationError", "ReturnError", "refuse"]
