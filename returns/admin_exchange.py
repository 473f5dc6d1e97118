"""Staff decide return requests and print their labels (URLs under the expected returns' admin).

- /admin/returns/returnrequest/<id>/decide/: the request with an Accept form (an optional note to the customer)
  and a Decline form (the reason, required); both e-mail the customer (returns.services.decisions).
- /admin/returns/returnrequest/<id>/label.pdf: the label of an accepted request, as the customer prints it
  (the download is recorded as staff's).
Thin: check the permission, call one service, report. Shown inside the order's pages (header and tabs).
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path

from orders import hooks
from orders.admin_pages.rendering import render_order_page
from orders.exceptions import OrderError
from orders.models import Order

from .models import ReturnRequest
from .services.decisions import DECLINE_REASON_MAX, return_request_accept, return_request_decline
from .services.return_labels import Source, return_label_download, return_request_for_label

TAB = "return-requests"


def _request_or_404(pk) -> ReturnRequest:
    raw = str(pk)
    found = None
    if raw.isdigit() and len(raw) < 10:
        found = ReturnRequest.objects.select_related("order", "reason").prefetch_related("lines__order_line")
        found = found.filter(pk=int(raw)).first()
    if found is None:
        raise Http404("No such return request.")
    return found


def decide_view(request, pk):
    req = _request_or_404(pk)
    order = req.order
    may, refusal = hooks.may(request.user, "return_request", order)
    if not request.user.has_perm("returns.process_return"):
        raise PermissionDenied("You may not decide return requests.")
    if request.method == "POST":
        if not may:
            raise PermissionDenied(refusal)
        action = request.POST.get("action")
        try:
            if action == "accept":
                return_request_accept(request_id=req.pk, actor=request.user, note=request.POST.get("note", ""))
                messages.success(request, f"{req} was accepted; the customer was e-mailed the label link.")
            elif action == "decline":
                return_request_decline(request_id=req.pk, actor=request.user, reason=request.POST.get("reason", ""),
                                       note=request.POST.get("note", ""))  # fmt: skip
                messages.success(request, f"{req} was declined; the customer was e-mailed the reason.")
            else:
                messages.error(request, "Choose Accept or Decline.")
        except OrderError as exc:
            messages.error(request, exc.message)
            return redirect("admin:returns_returnrequest_decide", req.pk)
        return redirect("admin:orders_order_page", order.pk, TAB)
    model_admin = admin.site._registry[Order]
    context = {"req": req, "may": may, "refusal": refusal, "reason_max": DECLINE_REASON_MAX}
    return render_order_page(request, order, model_admin, slug=TAB, title=f"Decide {req.number}",
                             template="admin/returns/order/decide.html", context=context)  # fmt: skip


def label_view(request, pk):
    if not request.user.has_perm("returns.view_returnrequest"):
        raise PermissionDenied("You may not see return requests.")
    req = return_request_for_label(request_id=pk)
    if req is None:
        raise Http404("Only an accepted return request has a label.")
    response = HttpResponse(return_label_download(request=req, user=request.user, source=Source.ADMIN),
                            content_type="application/pdf")  # fmt: skip
    response["Content-Disposition"] = f'inline; filename="return-label-{req.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def decision_urls(model_admin) -> list:
    wrap = model_admin.admin_site.admin_view
    return [
        path("<str:pk>/decide/", wrap(decide_view), name="returns_returnrequest_decide"),
        path("<str:pk>/label.pdf", wrap(label_view), name="returns_returnrequest_label"),
    ]
