"""The document access log: every view or download of an invoice or credit-note PDF, with who, when, where from.

Rows are appended by `document_access_record`, called by every view that serves a PDF (the admin's
download, the storefront's, the pay link's) just before it answers with the bytes. Never changed or
deleted. The invoice's admin page shows them (`access_log_section_html`, registered as a section of it).
"""

from axes.helpers import get_client_ip_address
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string

from .models import DocumentAccess
from .services.issue import invoice_pdf_store


def document_access_record(*, invoice_id: int, request, channel: str) -> DocumentAccess:
    """Append one access row for this request (the signed-in user, if any; the client's IP as axes sees it)."""
    user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
    agent = "".join(ch for ch in request.headers.get("User-Agent", "") if ch.isprintable())[:200]
    return DocumentAccess.objects.create(
        invoice_id=invoice_id,
        user=user,
        channel=channel,
        ip_address=get_client_ip_address(request) or None,
        user_agent=agent,
    )


def document_access_list(*, invoice_id: int, limit: int = 50) -> list[DocumentAccess]:
    """The latest accesses of one document, newest first, with their users (one query)."""
    return list(DocumentAccess.objects.filter(invoice_id=invoice_id).select_related("user")[:limit])


def document_pdf_response(request, invoice, *, channel: str) -> HttpResponse:
    """Serve the invoice's stored PDF bytes inline and log the access (the caller has checked who may see it)."""
    if not invoice.number:
        raise Http404("A draft has no document yet.")  # only issued documents are legal copies to hand out
    data = invoice_pdf_store(invoice.pk)  # the stored bytes (rendered and stored once if the worker has not yet)
    document_access_record(invoice_id=invoice.pk, request=request, channel=channel)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def access_log_section_html(request, invoice, limit: int = 50) -> str:
    """The invoice page's "Document access" section: its latest accesses (one query), escaped by the template."""
    rows = document_access_list(invoice_id=invoice.pk, limit=limit + 1)
    context = {"invoice": invoice, "accesses": rows[:limit], "more": len(rows) > limit}
    return render_to_string("admin/invoicing/_access_log.html", context, request=request)
