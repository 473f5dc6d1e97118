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

from .forms import PackagesForm, ShipForm, ShipmentCancelForm
from .models import Shipment
from .services.shipments import (
    shipment_cancel,
    shipment_deliver,
    shipment_packages_set,
    shipment_pre_announce,
    shipment_ship,
)

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
    done_when: str = ""  # a shipment field that, once set, means the action was taken (pre-announce)


ACTIONS: dict[str, Action] = {}


def _back(shipment):
    return redirect("admin:fulfillment_shipment_change", shipment.pk)


def allowed(request, action: Action, shipment) -> tuple[bool, str]:
    if shipment.status not in action.statuses:
        return False, f"Shipment {shipment.number} is {shipment.get_status_display().lower()}."
    if action.done_when and getattr(shipment, action.done_when):
        return False, f"{action.label}: done already for shipment {shipment.number}."
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
    if request.method == "POST" and form.is_valid():
        email = "_email" in request.POST
        done = f"{shipment} was shipped" + (" and the customer was e-mailed." if email else ".")
        if run(request, shipment, shipment_ship, done, email=email, **form.cleaned_data):
            return _back(shipment)
    submits = [("_ship", "Ship"), ("_email", "Ship and e-mail the customer")]
    if request.GET.get("email") or "_email" in request.POST:
        submits.reverse()  # the button the user came for is the primary one
    intro = "Shipping takes the units off the stock of " + shipment.location.name + "; it cannot be undone "
    intro += "except by cancelling the shipment with a reason, which puts the units back."
    return form_page(request, shipment, model_admin, title="Ship", form=form, submit=submits, intro=intro)


def register(action: Action) -> Action:
    if action.slug in ACTIONS:
        raise ValueError(f"A shipment action {action.slug!r} is already registered.")
    ACTIONS[action.slug] = action
    return action


def _form_action(request, shipment, model_admin, *, slug: str, form_class, service, done: str, **page):
    """An action page with a small form: GET shows it, a valid POST calls the service and goes back."""
    if refused := _refused(request, ACTIONS[slug], shipment):
        return refused
    form = form_class(request.POST or None, initial=page.pop("initial", None)) if form_class else None
    valid = request.method == "POST" and (form is None or form.is_valid())
    if valid and run(request, shipment, service, done, **(form.cleaned_data if form else {})):
        return _back(shipment)
    return form_page(request, shipment, model_admin, form=form, **page)


def packages_view(request, shipment, model_admin):
    return _form_action(request, shipment, model_admin, slug="packages", form_class=PackagesForm,
                        service=shipment_packages_set, done=f"The packages of {shipment} were changed.",
                        initial={"packages": shipment.packages}, title="Packages",
                        submit=[("_save", "Save")], intro="How many parcels this shipment goes out in.")  # fmt: skip


def pre_announce_view(request, shipment, model_admin):
    intro = "Tells the carrier a parcel is coming (an outbox event other systems receive); no parcel leaves yet."
    return _form_action(request, shipment, model_admin, slug="pre_announce", form_class=None,
                        service=shipment_pre_announce, done=f"{shipment} was pre-announced to the carrier.",
                        title="Pre-announce", submit=[("_go", "Pre-announce")], intro=intro)  # fmt: skip


def deliver_view(request, shipment, model_admin):
    return _form_action(request, shipment, model_admin, slug="deliver", form_class=None,
                        service=shipment_deliver, done=f"{shipment} was marked delivered.", title="Mark delivered",
                        submit=[("_go", "Mark delivered")], intro="The parcel arrived.")  # fmt: skip


def cancel_view(request, shipment, model_admin):
    if shipment.status == S.SHIPPED:
        intro = ("This shipment has left. Cancelling it puts its units back on hand at "
                 f"{shipment.location.name}, open and reserved for the order again. Say why.")  # fmt: skip
    else:
        intro = "The units stay reserved for the order and can go in a new shipment."
    return _form_action(request, shipment, model_admin, slug="cancel", form_class=ShipmentCancelForm,
                        service=shipment_cancel, done=f"{shipment} was cancelled.", title="Cancel shipment",
                        submit=[("_go", "Cancel shipment")], intro=intro)  # fmt: skip


register(Action("ship", "Ship", "ship", (S.PENDING,), ship_view, tone="primary"))
register(Action("ship_email", "Ship and e-mail", "ship", (S.PENDING,), ship_view, query="?email=1"))
register(
    Action("pre_announce", "Pre-announce", "fulfil", (S.PENDING,), pre_announce_view, done_when="pre_announced_at")
)
register(Action("packages", "Packages", "fulfil", (S.PENDING,), packages_view))
register(Action("deliver", "Mark delivered", "fulfil", (S.SHIPPED,), deliver_view, tone="primary"))
register(Action("cancel", "Cancel shipment", "fulfil", (S.PENDING, S.SHIPPED), cancel_view, tone="danger"))
