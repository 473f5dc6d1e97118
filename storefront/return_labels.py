"""The customer prints the return label of an accepted return request (their own requests only: 404 otherwise)."""

from django.http import HttpResponse
from django.shortcuts import render

from returns.services.return_labels import Source, return_label_download, return_request_for_label

from .views import customer_required


@customer_required
def return_label(request, customer, request_id):
    return_request = return_request_for_label(request_id=request_id, customer=customer)
    if return_request is None:
        # Someone else's request, one not accepted (yet), or none at all: the same 404 for each.
        return render(request, "storefront/order_not_found.html", status=404)
    data = return_label_download(request=return_request, user=request.user, source=Source.STOREFRONT)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="return-label-{return_request.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
