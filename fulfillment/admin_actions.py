"""The shipment page's actions: each a button in the header and a small page that calls one service.

A button shows only when the action fits the shipment's status and `orders.hooks.may` allows its
operation for this user and order (permission, the order's state and the guards the service runs too).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from orders import hooks
from orders.exceptions import OrderError
from orders.models import OrderEvent

from .forms import ShipForm
from .models import Shipment
from .services.shipments import shipment_ship

S = Shipment.Status
ADMIN = OrderEvent.Source.ADMIN


@dataclass(frozen=True)
class Action:
    slug: str
    label: str
    operation: str
    statuses: tuple[str, ...]  # the shipment statuses it applies to
    view: Callable  # view(request, shipment, model_admin) -> HttpResponse
    query: str = ""  # appended to the button's URL (Ship and e-mail opens the Ship form with e-mail ticked)
    tone: str = ""


ACTIONS: dict[str, Action] = {}


def _back(shipment):
    return redirect("admin:fulfillment_shipment_change", shipment.pk)


def allowed(request, action: Action, shipment) -> tuple[bool, str]:
    if shipment.status not in action.statuses:
        return False, f"Shipment {shipment.number} is {shipment.get_status_display().lower()}."
    return hooks.may(request.user, action.operation, shipment.order)


def tools(request, shipment) -> list[dict]:
    """The header's buttons: the actions this user may take on this shipment now (one label per action)."""
    buttons = []
    for action in ACTIONS.values():
        if not allowed(request, action, shipment)[0]:
            continue
        url = reverse("admin:fulfillment_shipment_action", args=(shipment.pk, action.slug)) + action.query
        buttons.append({"label": action.label, "url": url, "tone": action.tone})
    return buttons


def _refused(request, action: Action, shipment):
    """None when the action is possible now; else the refusal as a message (GET) or a 403 (no permission)."""
    ok, reason = allowed(request, action, shipment)
    if ok:
        return None
    permission = hooks.OPERATIONS[action.operation][0]
    if not request.user.has_perm(permission):
        raise PermissionDenied
    messages.error(request, reason)
    return _back(shipment)


def run(request, shipment, service, success: str, **kwargs) -> bool:
    """Call the service; a refusal becomes an error message (its transaction rolled back, nothing changed)."""
    try:
        service(shipment_id=shipment.pk, actor=request.user, source=ADMIN, **kwargs)
    except OrderError as exc:
        messages.error(request, str(exc))
        return False
    messages.success(request, success)
    return True


def form_page(request, shipment, model_admin, *, title: str, form, submit: list[tuple[str, str]], intro: str = ""):
    context = {"form": form, "submits": submit, "intro": intro, "page_title": title}
    return model_admin.render_page(request, shipment, title=f"{shipment} · {title}", template="action.html",
                                   context=context)  # fmt: skip


def ship_view(request, shipment, model_admin):
    if refused := _refused(request, ACTIONS["ship"], shipment):
        return refused
    form = ShipForm(request.POST or None, initial={"packages": shipment.packages, "carrier": shipment.carrier})
    shipped = request.method == "POST" and form.is_valid()
    if shipped and run(request, shipment, shipment_ship, f"{shipment} was shipped.", **form.cleaned_data):
        return _back(shipment)
    submits = [("_ship", "Ship")]
    intro = "Shipping takes the units off the stock of " + shipment.location.name + "; it cannot be undone "
    intro += "except by cancelling the shipment with a reason, which puts the units back."
    return form_page(request, shipment, model_admin, title="Ship", form=form, submit=submits, intro=intro)


def register(action: Action) -> Action:
    if action.slug in ACTIONS:
        raise ValueError(f"A shipment action {action.slug!r} is already registered.")
    ACTIONS[action.slug] = action
    return action


register(Action("ship", "Ship", "ship", (S.PENDING,), ship_view, tone="primary"))
