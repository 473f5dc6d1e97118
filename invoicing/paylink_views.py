"""The pay link's pages (no login) and the providers' callback endpoint. Thin: parse, call, answer."""

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from orders.exceptions import OrderError

from .access_log import DocumentAccess, document_pdf_response
from .paylink import (
    paylink_amount_clean,
    paylink_facts,
    paylink_invoice_get,
    paylink_payment_start,
    provider_payment_record,
)
from .providers import CallbackRejected, ProviderError, provider_get
from .providers.local import LocalProvider


def _not_found(request) -> HttpResponse:
    # Altered, expired or someone else's: the same page for each, so a token reveals nothing.
    return render(request, "invoicing/pay/not_found.html", status=404)


@require_http_methods(["GET", "POST"])
def pay(request, token: str):
    invoice = paylink_invoice_get(token)
    if invoice is None:
        return _not_found(request)
    facts = paylink_facts(invoice)
    error, field = "", ""
    if request.method == "POST":
        try:
            amount = paylink_amount_clean(facts, request.POST.get("choice", ""), request.POST.get("amount", ""))
            start = paylink_payment_start(invoice=invoice, amount=amount, return_url=request.path)
        except OrderError as exc:
            error, field = exc.message, exc.details.get("field", "")
        except ProviderError as exc:
            error = str(exc)
        else:
            if start.form_html:
                return render(request, "invoicing/pay/provider_form.html", {"form_html": start.form_html})
            return redirect(start.redirect_url)
    context = {"facts": facts, "invoice": invoice, "token": token, "error": error, "error_field": field}
    return render(request, "invoicing/pay/pay.html", context, status=400 if error else 200)


def pay_pdf(request, token: str):
    invoice = paylink_invoice_get(token)
    if invoice is None:
        return _not_found(request)
    return document_pdf_response(request, invoice, channel=DocumentAccess.Channel.PAY_LINK)


def local_pay(request, token: str):
    """The local provider's own page (what a real provider's hosted checkout would be)."""
    provider = provider_get(LocalProvider.code)
    payload = provider.page_payload(token) if isinstance(provider, LocalProvider) else None
    if payload is None:
        return _not_found(request)
    context = {
        "payment": payload,
        "provider": provider,
        "paid_payload": provider.callback_payload(payload, "paid"),
        "declined_payload": provider.callback_payload(payload, "declined"),
        "callback_url": reverse("paylink:callback", args=[provider.code]),
    }
    return render(request, "invoicing/pay/local.html", context)


@csrf_exempt  # providers post from their own servers; the payload's signature is what authenticates it
@require_POST
def callback(request, code: str):
    provider = provider_get(code)
    if provider is None:
        raise Http404
    try:
        result = provider.parse_callback(request)
    except CallbackRejected as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain")
    try:
        provider_payment_record(provider=provider, result=result)
    except OrderError as exc:
        return provider.callback_response(request, result, error=exc.message)
    return provider.callback_response(request, result)
