"""After issuing: send (e-mail with the PDF through the outbox) and cancel.

Both lock as issuing does: the order with its family root, then the invoice row.
"""

from django.db import transaction

from notifications.models import EmailKind
from orders.exceptions import InvalidTransition
from orders.models import OrderEvent
from orders.notify import order_notify

from .. import events
from ..links import invoice_pay_url
from ..models import Invoice
from .drafts import lock_invoice, refuse
from .issue import invoice_pdf_store

Source = OrderEvent.Source


def invoice_email_context(invoice: Invoice) -> dict:
    """What the "invoice sent" e-mail says about the invoice (a snapshot, plain data)."""
    return {
        "invoice": {
            "title": "Credit invoice" if invoice.is_credit else "Invoice",
            "number": invoice.number,
            "is_credit": invoice.is_credit,
            "total_gross": str(invoice.total_gross),
            "balance": str(invoice.balance),
            "due_date": str(invoice.next_due_date or ""),  # a schedule's first unpaid instalment (sent after a deposit)
        },
        "pay_url": "" if invoice.is_credit else invoice_pay_url(invoice),
    }


def invoice_send(*, invoice_id: int, actor=None, note: str = "", source: str = Source.ADMIN) -> Invoice:
    """E-mail the issued invoice's stored PDF (and its pay link) to the customer; an issued invoice becomes sent.

    The PDF is stored first, outside every lock (rendering takes a while); then, under the locks, the outbox
    message with the PDF attached. Sending again (a reminder) keeps the payment status.
    Refused, changing nothing: a draft (issue it first) or a cancelled invoice; a customer without e-mail.
    """
    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is not None and invoice.status in Invoice.LIVE:
        invoice_pdf_store(invoice_id)
    with transaction.atomic():
        invoice = lock_invoice(invoice_id, actor=actor)
        if invoice.status not in Invoice.LIVE:
            raise InvalidTransition(
                f"{invoice} is {invoice.get_status_display().lower()}; only an issued invoice is sent."
            )
        if not invoice.customer_email:
            raise refuse("email", f"{invoice} cannot be sent: the customer has no e-mail address.")
        pdf = bytes(Invoice.objects.values_list("pdf", flat=True).get(pk=invoice.pk))
        invoice.mark_sent()
        invoice.save(update_fields=["status", "sent_at", "updated_at"])
        message = order_notify(
            order=invoice.order, kind=EmailKind.INVOICE_SENT, actor=actor, source=source, extra_note=note,
            extra_context=invoice_email_context(invoice),
            attachments=[(f"{invoice.number}.pdf", "application/pdf", pdf)],
        )  # fmt: skip
        events.invoice_sent_event(
            invoice=invoice, actor=actor, source=source, to=invoice.customer_email, message_id=message.pk
        )
    return invoice


@transaction.atomic
def invoice_cancel(*, invoice_id: int, actor=None, reason: str = "", source: str = Source.ADMIN) -> Invoice:
    """Cancel a draft, or an issued invoice nothing was paid on or credited against (its number stays used:
    the series has no gap). A correction is a new invoice; the timeline says so.

    Refused, changing nothing: a paid or partially paid invoice (make a credit invoice instead), one with
    issued credit invoices, a credit invoice already applied, a cancelled one.
    """
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise refuse("reason", "Reason: at most 200 characters.")
    invoice = lock_invoice(invoice_id, actor=actor)
    if invoice.status == Invoice.Status.CANCELLED:
        raise InvalidTransition(f"{invoice} is already cancelled.")
    if invoice.amount_paid > 0 or invoice.status in (Invoice.Status.PAID, Invoice.Status.PARTIALLY_PAID):
        raise InvalidTransition(
            f"{invoice} has payments applied ({invoice.currency} {invoice.amount_paid}); make a credit invoice instead."
        )
    if invoice.credits.exclude(status=Invoice.Status.CANCELLED).exists():
        raise InvalidTransition(f"{invoice} has credit invoices; it can no longer be cancelled.")
    if invoice.is_credit and invoice.status != Invoice.Status.DRAFT:
        raise InvalidTransition(f"{invoice} is issued; a credit invoice stays as issued.")
    invoice.cancel(reason=reason)
    invoice.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
    events.invoice_cancelled_event(invoice=invoice, actor=actor, source=source, reason=reason)
    return invoice
