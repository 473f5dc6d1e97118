"""The shipment page's Holds and Warehouse hand-off sections (registered through `fulfillment.admin_sections`).

Thin views: each form posts to its section, which checks the permission through `orders.hooks.may`, calls
one service and reports its refusal as a message (nothing changed). Who may do what:
- hold and release a hold: operation "hold" (Order desk, Warehouse, Manager);
- request a recall: operation "hold" too, since the order desk asks for it when it must change the order;
- release to the warehouse and answer a recall: operation "handoff" (Warehouse, Manager).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied

from orders import hooks
from orders.exceptions import OrderError
from orders.models import OrderEvent

from .admin_sections import ShipmentSection, register_section
from .models import Shipment, ShipmentHold, WarehouseEvent
from .services import handoff, holds

ADMIN = OrderEvent.Source.ADMIN
Handoff = Shipment.Handoff


class HoldForm(forms.Form):
    reason = forms.ChoiceField(choices=[("", "Choose a reason"), *ShipmentHold.Reason.choices])
    note = forms.CharField(required=False, max_length=200, help_text="Required for 'Other'.")
    until = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="For 'Ship later'."
    )


class NoteForm(forms.Form):
    note = forms.CharField(required=False, max_length=200)


def holds_context(request, shipment) -> dict:
    rows = list(shipment.holds.select_related("created_by", "released_by").order_by("-created_at", "-pk"))
    may_hold, why_not = hooks.may(request.user, "hold", shipment.order)
    return {
        "active": [{"hold": row, "description": holds.hold_description(row)} for row in rows if row.is_active],
        "released": [row for row in rows if not row.is_active],
        "may_hold": may_hold and shipment.status == Shipment.Status.PENDING,
        "can_add": shipment.handoff_status == Handoff.NOT_RELEASED,
        "why_not": why_not,
        "form": HoldForm(auto_id="hold-%s"),
    }


def _refused(request, shipment, operation: str) -> bool:
    """True (with the refusal as a message) when the user may not do `operation` now; 403 without permission."""
    allowed, reason = hooks.may(request.user, operation, shipment.order)
    if allowed:
        return False
    if not request.user.has_perm(hooks.OPERATIONS[operation][0]):
        raise PermissionDenied
    messages.error(request, reason)
    return True


def _run(request, service, success: str, **kwargs) -> None:
    try:
        service(actor=request.user, source=ADMIN, **kwargs)
    except OrderError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)


def holds_post(request, shipment):
    if _refused(request, shipment, "hold"):
        return None
    if "release" in request.POST:
        try:
            hold_id = int(request.POST["release"])
        except ValueError:
            messages.error(request, "Choose a hold to release.")
            return None
        _run(request, holds.shipment_hold_release, "The hold was released.", hold_id=hold_id)
        return None
    form = HoldForm(request.POST)
    if not form.is_valid():
        problems = (f"{name.capitalize()}: {' '.join(errors)}" for name, errors in form.errors.items())
        messages.error(request, " ".join(problems))
        return None
    _run(request, holds.shipment_hold, f"Shipment {shipment.number} is on hold.", shipment_id=shipment.pk,
         **form.cleaned_data)  # fmt: skip
    return None


def handoff_context(request, shipment) -> dict:
    pending = shipment.status == Shipment.Status.PENDING
    may_handoff = hooks.may(request.user, "handoff", shipment.order)[0] and pending
    may_recall = hooks.may(request.user, "hold", shipment.order)[0] and pending
    state = shipment.handoff_status
    return {
        "events": list(WarehouseEvent.objects.filter(shipment=shipment).select_related("connection")[:5]),
        "can_release": may_handoff and state == Handoff.NOT_RELEASED,
        "can_recall": may_recall and state == Handoff.RELEASED,
        "can_answer": may_handoff and state == Handoff.RECALL_REQUESTED,
        "tone": {Handoff.RELEASED: "info", Handoff.RECALL_REQUESTED: "warning"}.get(state, "neutral"),
    }


HANDOFF_ACTIONS = {
    # button name: (operation checked, service, extra arguments, message)
    "release": ("handoff", handoff.shipment_release, {}, "Released to the warehouse."),
    "recall": ("hold", handoff.shipment_recall_request, {"note": True}, "The warehouse is asked to recall it."),
    "accept": ("handoff", handoff.shipment_recall_answer, {"accept": True, "note": True}, "Recall accepted."),
    "reject": ("handoff", handoff.shipment_recall_answer, {"accept": False, "note": True}, "Recall rejected."),
}


def handoff_post(request, shipment):
    name = next((key for key in HANDOFF_ACTIONS if key in request.POST), None)
    if name is None:
        messages.error(request, "Choose what to do with the shipment.")
        return None
    operation, service, extra, success = HANDOFF_ACTIONS[name]
    if _refused(request, shipment, operation):
        return None
    kwargs = dict(extra)
    if kwargs.pop("note", False):
        form = NoteForm(request.POST)
        if not form.is_valid():
            messages.error(request, f"Note: {' '.join(form.errors['note'])}")
            return None
        kwargs["note"] = form.cleaned_data["note"]
    _run(request, service, success, shipment_id=shipment.pk, **kwargs)
    return None


def register() -> None:
    register_section(
        ShipmentSection(
            "holds",
            "Holds",
            position=20,
            template="admin/fulfillment/shipment/section_holds.html",
            context=holds_context,
            permission="fulfillment.view_shipmenthold",
            post=holds_post,
        )
    )
    register_section(
        ShipmentSection(
            "handoff",
            "Warehouse hand-off",
            position=30,
            template="admin/fulfillment/shipment/section_handoff.html",
            context=handoff_context,
            post=handoff_post,
        )
    )
