"""The built-in `local` provider: an online payment that runs here, for the demo and the tests.

`start()` sends the customer to a pay page of its own (`local_views.pay_page`) where they confirm the
payment or decline it (the way tests make a payment fail). Each button posts a payload that the
provider signed when it drew the page, so the callback endpoint accepts only what this provider said,
exactly as a real provider's webhook is checked against its signing secret. The payment id is made in
`start()`: the same page posted twice is the same payment, recorded once.
The signing key is Django's SECRET_KEY (salted per use); a real provider reads its own from the environment.
"""

import uuid
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from .base import CallbackRejected, CallbackResult, PaymentProvider, PaymentRequest, PaymentStart

PAGE_SALT = "invoicing.providers.local.page"
CALLBACK_SALT = "invoicing.providers.local.callback"
PAGE_MAX_AGE = 60 * 60  # an abandoned pay page stops working after an hour
OUTCOMES = ("paid", "declined")


class LocalProvider(PaymentProvider):
    code = "local"
    label = "Online payment (local test provider)"
    method = "card"

    def start(self, request: PaymentRequest) -> PaymentStart:
        payload = {
            "p": uuid.uuid4().hex,
            "i": request.invoice_id,
            "n": request.invoice_number,
            "a": str(request.amount),
            "c": request.currency,
            "r": request.return_url,
        }
        token = signing.dumps(payload, salt=PAGE_SALT)
        return PaymentStart(redirect_url=reverse("paylink:local_pay", args=[token]))

    def page_payload(self, token: str) -> dict | None:
        """The payment a pay-page token stands for, or None when it is altered or older than an hour."""
        try:
            payload = signing.loads(token, salt=PAGE_SALT, max_age=PAGE_MAX_AGE)
        except signing.BadSignature:
            return None
        return payload if isinstance(payload, dict) and _well_formed(payload) else None

    def callback_payload(self, payload: dict, outcome: str) -> str:
        """What one button of the page posts: the payment and the outcome, signed together."""
        return signing.dumps({**payload, "o": outcome}, salt=CALLBACK_SALT)

    def parse_callback(self, request: HttpRequest) -> CallbackResult:
        try:
            data = signing.loads(request.POST.get("payload", ""), salt=CALLBACK_SALT, max_age=PAGE_MAX_AGE)
        except signing.BadSignature:
            raise CallbackRejected("The payment confirmation does not verify.") from None
        if not isinstance(data, dict) or not _well_formed(data) or data.get("o") not in OUTCOMES:
            raise CallbackRejected("The payment confirmation is incomplete.")
        return CallbackResult(
            payment_id=data["p"],
            invoice_id=data["i"],
            amount=Decimal(data["a"]),
            currency=data["c"],
            succeeded=data["o"] == "paid",
            return_url=data["r"],
            message="" if data["o"] == "paid" else "The payment was declined; nothing was charged.",
        )

    def callback_response(self, request: HttpRequest, result: CallbackResult, error: str = "") -> HttpResponse:
        """The customer's browser posted the callback: back to the pay link with what happened."""
        if error or not result.succeeded:
            messages.error(request, error or result.message)
        else:
            messages.success(request, f"Thank you: your payment of {result.currency} {result.amount} was received.")
        return HttpResponseRedirect(result.return_url)


def _well_formed(payload: dict) -> bool:
    try:
        amount = Decimal(str(payload.get("a")))
    except InvalidOperation:
        return False
    return (
        isinstance(payload.get("p"), str)
        and isinstance(payload.get("i"), int)
        and isinstance(payload.get("r"), str)
        and payload["r"].startswith("/")  # back to our own pay link, never elsewhere
        and amount.is_finite()
        and amount > 0
    )
