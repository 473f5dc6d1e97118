"""The customer's return requests: "Return items" on one of their orders, and their requests with status.

Thin: the order is found through the customer's own orders (anyone else's, a draft or an unknown number is
the same 404), the service checks units and reason under the order lock, refusals are shown on the form.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from orders.exceptions import OrderError
from orders.selectors.customer import order_get_for_customer
from returns.selectors import line_units, reasons_active, request_for_customer
from returns.services.requests import return_request_create

from .views import customer_required

TONES = {"requested": "waiting", "accepted": "active", "declined": "neutral", "completed": "done"}
SAID = {"requested": "Requested: we expect your parcel", "accepted": "Accepted: please send the items back",
        "declined": "Declined", "completed": "Received and processed"}  # fmt: skip


def requests_panel(*, customer, order) -> dict:
    """What the order page shows about returns: the customer's requests, and whether anything can be returned."""
    rows = [{"request": r, "tone": TONES.get(r.status, "neutral"), "said": SAID.get(r.status, r.get_status_display())}
            for r in request_for_customer(customer=customer, order=order)]  # fmt: skip
    shipped = order.status == order.Status.PLACED and order.fulfillment_status != order.FulfillmentStatus.UNFULFILLED
    can_return = shipped and any(units.requestable for units in line_units(order))
    return {"return_requests": rows, "can_return": can_return}


@customer_required
def return_request_new(request, customer, number):
    detail = order_get_for_customer(customer=customer, number=number)
    if detail is None:
        return render(request, "storefront/order_not_found.html", status=404)
    order = detail.order
    rows = [units for units in line_units(order) if units.requestable]
    typed = {str(units.line.pk): request.POST.get(f"units_{units.line.pk}", "0") for units in rows}
    error = ""
    if request.method == "POST":
        try:
            made = return_request_create(
                order_id=order.pk, customer=customer, actor=request.user, quantities=typed,
                reason_id=request.POST.get("reason"), comment=request.POST.get("comment", ""),
            )  # fmt: skip
        except OrderError as exc:
            error = exc.message
        else:
            messages.success(request, f"Thank you: return request {made.number} is registered. We will let you know "
                                      "when your parcel is in.")  # fmt: skip
            return redirect(reverse("storefront:order_detail", args=[order.number]) + "#returns")
    context = {"customer": customer, "order": order, "rows": [{"units": u, "typed": typed.get(str(u.line.pk), "0")}
               for u in rows], "reasons": reasons_active(), "error": error,
               "chosen_reason": request.POST.get("reason", ""), "comment": request.POST.get("comment", "")}  # fmt: skip
    return render(request, "storefront/return_request_new.html", context, status=400 if error else 200)
