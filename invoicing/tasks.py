from celery import shared_task

from .services.issue import invoice_pdf_store


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=30, max_retries=5)
def invoice_pdf_task(invoice_id: int) -> None:
    """One invoice's PDF: issuing now queues `invoice_pdfs_task`; kept for messages queued before that change."""
    invoice_pdf_store(invoice_id)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=30, max_retries=5)
def invoice_pdfs_task(invoice_ids: list[int]) -> None:
    """The PDFs of invoices issued together (one task for a selection); a retry skips those already stored."""
    for invoice_id in invoice_ids:
        invoice_pdf_store(invoice_id)
