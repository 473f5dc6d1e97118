"""Return labels handed out: the PDF of an accepted request's label, and a row saying who took it and when.

The request is read by the caller's rules (the storefront: the customer's own, accepted requests only;
the admin: staff with the returns permission). Rendering happens outside any lock; the download row is
one insert, cheap enough to keep for every download (staff see whether the customer printed the label).
"""

from django.db.models import Count, Max

from ..labels import label_data_for_request, return_label_pdf
from ..models import ReturnLabelDownload, ReturnRequest

Source = ReturnLabelDownload.Source


def return_request_for_label(*, request_id, customer=None) -> ReturnRequest | None:
    """The accepted request whose label may be printed (the customer's own when `customer` is given), or None."""
    raw = str(request_id or "")
    if not raw.isdigit() or len(raw) > 9:
        return None  # also an id too long for the database's integer: not found, never an OverflowError
    requests = ReturnRequest.objects.filter(pk=int(raw), status=ReturnRequest.Status.ACCEPTED)
    if customer is not None:
        requests = requests.filter(customer=customer, order__customer=customer)
    return requests.select_related("order__customer").prefetch_related("lines").first()


def return_label_download(*, request: ReturnRequest, user, source: str) -> bytes:
    """The label's PDF; records the download (`source`: storefront or admin)."""
    data = return_label_pdf(label_data_for_request(request))
    ReturnLabelDownload.objects.create(request=request, user=user if user and user.is_authenticated else None,
                                       source=source)  # fmt: skip
    return data


def label_downloads_summary(request_ids) -> dict[int, dict]:
    """Per request id: downloads by the customer and by staff, and the last time (one query)."""
    rows = (
        ReturnLabelDownload.objects.filter(request_id__in=list(request_ids))
        .values("request_id", "source")
        .annotate(n=Count("pk"), last=Max("created_at"))
    )
    summary: dict[int, dict] = {}
    for row in rows:
        entry = summary.setdefault(row["request_id"], {"storefront": 0, "admin": 0, "last": None})
        entry[row["source"]] = row["n"]
        entry["last"] = max(filter(None, (entry["last"], row["last"])))
    return summary


def label_downloads_attach(requests) -> None:
    """Set `label_printed` ({"storefront": n, "admin": n, "last": time} or None) on each request (one query)."""
    summary = label_downloads_summary([request.pk for request in requests])
    for request in requests:
        request.label_printed = summary.get(request.pk)
