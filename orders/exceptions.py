"""Domain errors of the orders app. Each has a stable `code`; views and the admin turn them into messages."""


class OrderError(Exception):
    code = "order_error"
    http_status = 400

    def __init__(self, message: str, *, details: dict | list | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class OrderNotFound(OrderError):
    code = "not_found"
    http_status = 404


class InvalidTransition(OrderError):
    code = "invalid_transition"
    http_status = 409


class OrderValidationError(OrderError):
    code = "invalid"


class UnknownProduct(OrderError):
    code = "unknown_sku"


class StockUnavailable(OrderError):
    """Not enough stock for one or more lines; `details` lists each short line."""

    code = "insufficient_stock"
    http_status = 409


class StaleOrder(OrderError):
    """The order changed since the caller read it (another user committed first)."""

    code = "stale_version"
    http_status = 409


class IdempotencyConflict(OrderError):
    """An import repeats an external id that was imported with a different body; `details` names the order."""

    code = "idempotency_conflict"
    http_status = 409


class ExternalReferenceInUse(OrderError):
    """An import's external id is the reference of an order staff entered by hand; `details` names it."""

    code = "external_reference_in_use"
    http_status = 409


class CustomerNotInvitable(OrderError):
    code = "customer_not_invitable"
