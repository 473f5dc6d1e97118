"""The built-in `local` provider: an online payment that runs here, for the demo and the tests.

`start()` sends the customer to a pay page of its own (`local_views.pay_page`) where they confirm the
payment or decline it (the way tests make a payment fail). Each button posts a payload that the
provider signed when it drew the page, so the callback endpoint accepts only what this provider said,
exactly as a real provider's webhook is checked against its signing secret. The payment id is made in
`start()`: the same page posted twice is the same payment, recorded once.
The signing key is Django's SECRET_KEY (salted per use); a real provider reads its own from the environment.
"""

import threading
import time
import uuid
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from .base import (
    CallbackRejected,
    CallbackResult,
    PaymentProvider,
    PaymentRequest,
    PaymentStart,
    ProviderError,
    ProviderTimeout,
    RefundResult,
)

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

    def refund(self, *, payment_id: str, amount: Decimal, currency: str, idempotency_key: str) -> RefundResult:
        if not idempotency_key:
            raise ProviderError("A refund needs an idempotency key.")
        return local_refund(self, payment_id=payment_id, amount=amount, currency=currency, key=idempotency_key)

    def callback_response(self, request: HttpRequest, result: CallbackResult, error: str = "") -> HttpResponse:
        """The customer's browser posted the callback: back to the pay link with what happened."""
        if error or not result.succeeded:
            messages.error(request, error or result.message)
        else:
            messages.success(request, f"Thank you: your payment of {result.currency} {result.amount} was received.")
        return HttpResponseRedirect(result.return_url)


class _RateLimit:
    """The provider's calls-per-second limit: each call takes the next free slot (1/rate apart) and waits for it.

    With Redis (REDIS_URL) the slots are shared by every process and thread that calls the provider (one atomic
    script hands them out), as a real provider counts calls from all our workers; without it, by the threads of
    this process."""

    SCRIPT = """
    local slot = math.max(tonumber(ARGV[1]), tonumber(redis.call('GET', KEYS[1]) or '0'))
    redis.call('SET', KEYS[1], tostring(slot + tonumber(ARGV[2])), 'PX', 60000)
    return tostring(slot)
    """
    KEY = "oms:local-provider:refund-slot"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 0.0
        self._script = None

    def _shared_slot(self, now: float, step: float) -> float | None:
        url = getattr(settings, "REDIS_URL", "")
        if not url:
            return None
        if self._script is None:
            import redis

            self._script = redis.Redis.from_url(url).register_script(self.SCRIPT)
        return float(self._script(keys=[self.KEY], args=[repr(now), repr(step)]))

    def wait(self, rate: float) -> None:
        if rate <= 0:
            return
        now, step = time.time(), 1.0 / rate
        slot = self._shared_slot(now, step)
        if slot is None:
            with self._lock:
                slot = max(now, self._next)
                self._next = slot + step
        if slot > now:
            time.sleep(slot - now)


_refund_rate = _RateLimit()


def _refund_options(provider: PaymentProvider) -> dict:
    """Read at each call (tests and the benchmark change them): latency, rate limit and the test switches."""
    options = getattr(settings, "OMS_PAYMENT_PROVIDER_OPTIONS", {}) or {}
    return {**provider.options, **options.get(provider.code, {})}


def local_refund(provider: PaymentProvider, *, payment_id: str, amount: Decimal, currency: str, key: str):
    """The local provider's refund: wait for a slot, take the latency, then pay out once per key.

    Options (OMS_PAYMENT_PROVIDER_OPTIONS["local"]): `refund_latency_ms`, `refund_rate_per_second`,
    `refund_decline` (refuse every refund), `refund_timeout_after_take` (pay out, then answer with a timeout,
    as a provider whose answer is lost: the test of at-most-once)."""
    from ..models import LocalProviderRefund

    options = _refund_options(provider)
    _refund_rate.wait(float(options.get("refund_rate_per_second") or 0))
    latency = float(options.get("refund_latency_ms") or 0) / 1000
    if latency:
        time.sleep(latency)
    earlier = LocalProviderRefund.objects.filter(idempotency_key=key).first()
    if earlier is not None:
        return RefundResult(refund_id=earlier.refund_id, succeeded=True, replayed=True)
    if options.get("refund_decline"):
        return RefundResult(refund_id="", succeeded=False, message="The provider declined the refund.")
    if not payment_id or amount <= 0:
        return RefundResult(refund_id="", succeeded=False, message="The provider knows no such payment.")
    try:
        row = LocalProviderRefund.objects.create(
            idempotency_key=key, payment_id=payment_id[:64], refund_id=f"re_{uuid.uuid4().hex[:24]}",
            amount=amount, currency=currency,
        )  # fmt: skip
    except IntegrityError:  # the same key on another connection, a moment earlier: its result
        earlier = LocalProviderRefund.objects.get(idempotency_key=key)
        return RefundResult(refund_id=earlier.refund_id, succeeded=True, replayed=True)
    if options.get("refund_timeout_after_take"):
        raise ProviderTimeout("The payment provider did not answer in time.")
    return RefundResult(refund_id=row.refund_id, succeeded=True)


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
