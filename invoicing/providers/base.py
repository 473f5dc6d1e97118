"""What every payment provider offers the pay link: start a payment, read its callback, refund later.

A provider is a class with a `code` (its key in the registry and the prefix of its payments'
idempotency keys), reading its own configuration (API keys, webhook secrets) from the environment
through `settings.OMS_PAYMENT_PROVIDER_OPTIONS[code]`: no secret is ever written in the code.
The pay link calls `start()` outside any transaction (a real provider calls its API there) and sends
the customer to the URL it returns; the provider's callback endpoint hands the request to
`parse_callback()`, which checks the provider's signature and says what happened; the pay link's
service then records the payment once, keyed by `idempotency_key(result)`.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpRequest, HttpResponse, JsonResponse


class ProviderError(Exception):
    """The provider refused or could not be reached; the message is safe to show the customer."""


class ProviderTimeout(ProviderError):
    """No answer in time: the provider may or may not have acted. Retry with the same idempotency key."""


class CallbackRejected(ProviderError):
    """A callback whose signature or payload does not check out: answered 400, nothing recorded."""


@dataclass(frozen=True)
class PaymentRequest:
    """One payment the customer wants to make: for an invoice, this amount, then back to `return_url`."""

    invoice_id: int
    invoice_number: str
    amount: Decimal
    currency: str
    description: str
    return_url: str


@dataclass(frozen=True)
class PaymentStart:
    """Where to send the customer: a redirect (the usual case) or an HTML form to post (3-D Secure style)."""

    redirect_url: str = ""
    form_html: str = ""


@dataclass(frozen=True)
class CallbackResult:
    """What a verified callback says. `payment_id` is the provider's own id for the payment."""

    payment_id: str
    invoice_id: int
    amount: Decimal
    currency: str
    succeeded: bool
    return_url: str = ""
    message: str = ""


@dataclass(frozen=True)
class RefundResult:
    """What the provider said about a refund: its own id, paid out (True) or refused (False, with why)."""

    refund_id: str
    succeeded: bool
    message: str = ""
    replayed: bool = False  # the provider had seen the idempotency key: the first call's result, nothing paid now


class PaymentProvider(ABC):
    code: str = ""
    label: str = ""
    method: str = "card"  # orders.models.PaymentMethod value of the payments it records

    def __init__(self, options: dict | None = None) -> None:
        self.options = options or {}

    @abstractmethod
    def start(self, request: PaymentRequest) -> PaymentStart:
        """Open a payment at the provider; never called inside a database transaction."""

    @abstractmethod
    def parse_callback(self, request: HttpRequest) -> CallbackResult:
        """Verify the callback's signature and read it; raise CallbackRejected when it does not verify."""

    def callback_response(self, request: HttpRequest, result: CallbackResult, error: str = "") -> HttpResponse:
        """The answer to the callback: a server-to-server webhook gets JSON (a browser-posted one may redirect)."""
        return JsonResponse({"recorded": not error and result.succeeded, "error": error})

    def refund(self, *, payment_id: str, amount: Decimal, currency: str, idempotency_key: str) -> RefundResult:
        """Send money back for one of this provider's payments; never called inside a database transaction.

        The same `idempotency_key` twice pays once: the second call answers the first result. Raises
        ProviderTimeout when the outcome is unknown (the caller retries with the same key) and ProviderError
        when the provider cannot be reached at all."""
        raise ProviderError(f"{self.label or self.code} cannot refund payments.")

    def idempotency_key(self, result: CallbackResult) -> str:
        """The key the payment is recorded under: the same provider payment is recorded once."""
        return f"{self.code}:{result.payment_id}"[:64]
