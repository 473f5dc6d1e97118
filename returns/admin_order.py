"""The order's Return requests and Returns tabs (replacing orders' placeholders) and its "Create return" page
(registered from ReturnsConfig.ready()). Thin: parse the form, ask `orders.hooks.may`, call one service."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from catalog.models import StockLocation
from orders import hooks
from orders.admin_pages import OrderPage, register
from orders.admin_pages.rendering import render_order_page
from orders.exceptions import OrderError

from .models import ReturnLine, ReturnRequest
from .selectors import line_units, reasons_active, requests_of_order, returns_of_order
from .services.common import parse_units
from .services.credit import parse_correction, suggested_refund
from .services.exchanges import ExchangeInput, exchange_preview, product_ref_for_sku
from .services.quarantine import quarantine_resolve
from .services.return_labels import label_downloads_attach
from .services.returns import LineInput, return_cancel, return_create, return_process

REQUESTS, RETURNS, CREATE = "return-requests", "returns", "create-return"
PERM = "returns.process_return"


def requests_view(request, order, model_admin):
    may, refusal = hooks.may(request.user, "return", order)
    requests = requests_of_order(order)
    label_downloads_attach(requests)  # who printed each accepted request's label (returns.admin_exchange)
    context = {"requests": requests, "may_process": may, "refusal": refusal}
    return render_order_page(request, order, model_admin, slug=REQUESTS, title="Return requests",
                             template="admin/returns/order/requests.html", context=context)  # fmt: skip


def returns_view(request, order, model_admin):
    may, refusal = hooks.may(request.user, "return", order)
    if request.method == "POST":
        if not may:
            raise PermissionDenied(refusal)
        _post(request)
        return redirect("admin:orders_order_page", order.pk, RETURNS)
    context = {"returns": returns_of_order(order), "may_process": may, "refusal": refusal}
    return render_order_page(request, order, model_admin, slug=RETURNS, title="Returns",
                             template="admin/returns/order/returns.html", context=context)  # fmt: skip


def _post(request) -> None:
    """The Returns tab's buttons: process or cancel a draft, release or write off quarantined units."""
    action, target = request.POST.get("action", ""), request.POST.get("target", "")
    try:
        if action == "process":
            ret = return_process(return_id=target, actor=request.user)
            messages.success(request, f"{ret} was processed.")
        elif action == "cancel":
            ret = return_cancel(return_id=target, actor=request.user)
            messages.success(request, f"Draft {ret} was cancelled.")
        elif action in ("release", "write_off"):
            line = quarantine_resolve(line_id=target, action=action, quantity=request.POST.get("quantity", ""),
                                      actor=request.user)  # fmt: skip
            done = "released to stock" if action == "release" else "written off"
            messages.success(request, f"Quarantined units of {line.order_line.name} {done}.")
        else:
            messages.error(request, "Unknown action.")
    except OrderError as exc:
        messages.error(request, exc.message)


def _rows(order, post, prefill: dict[int, int], default_reason, default_location) -> list[dict]:
    """One row per shipped line: what can come back, and what was typed (or prefilled from a request)."""
    rows = []
    for units in line_units(order):
        pk = units.line.pk
        if post is not None:
            keys = ("qty", "reason", "disposition", "location", "exchange_sku", "exchange_qty")
            typed = {key: post.get(f"{key}_{pk}", "") for key in keys}
        else:
            typed = {"qty": str(prefill.get(pk, 0)), "reason": default_reason,
                     "disposition": ReturnLine.Disposition.RESTOCK, "location": default_location,
                     "exchange_sku": "", "exchange_qty": "1"}  # fmt: skip
        rows.append({"units": units, "typed": typed})
    return rows


def _lines(rows) -> list[LineInput]:
    return [
        LineInput(row["units"].line.pk, row["typed"]["qty"], row["typed"]["reason"], row["typed"]["disposition"],
                  row["typed"]["location"] or None, product_ref_for_sku(row["typed"]["exchange_sku"]),
                  row["typed"]["exchange_qty"])
        for row in rows if str(row["typed"]["qty"]).strip() not in ("", "0")
    ]  # fmt: skip


def _suggestion(order, rows, post) -> dict:
    """The live suggested refund for what is typed (the htmx part of the page); typing errors are shown."""
    exchanges = []  # the exchanges typed, with their quotes (returns.services.exchanges)
    try:
        units = {}
        for row in rows:
            line = row["units"].line
            count = parse_units(
                row["typed"]["qty"], label=f"Units of {line.name[:40]}", maximum=row["units"].returnable
            )
            if count and row["typed"]["exchange_sku"].strip():  # an exchange: only its difference moves
                data = ExchangeInput(product_ref_for_sku(row["typed"]["exchange_sku"]), row["typed"]["exchange_qty"])
                exchanges.append(exchange_preview(line=line, units=count, data=data))
            elif count:
                units[line.pk] = count
        shipping = post is not None and post.get("refund_shipping") == "on"
        plan = suggested_refund(order=order, units=units, refund_shipping=shipping)
        correction = parse_correction(post.get("correction", "0") if post is not None else "0")
        final = plan.final(correction)
    except OrderError as exc:
        return {"error": exc.message}
    return {"plan": plan, "final": final, "correction": correction, "exchanges": exchanges}


def create_view(request, order, model_admin):
    """Create a return: lines with units, reason, disposition and location; the suggested refund updates live."""
    may, refusal = hooks.may(request.user, "return", order)
    post = request.POST if request.method == "POST" else None
    source = post if post is not None else request.GET
    req = ReturnRequest.objects.filter(pk=source.get("request"), order=order).first() if str(
        source.get("request", "")).isdigit() else None  # fmt: skip
    prefill = {line.order_line_id: line.quantity for line in req.lines.all()} if req else {}
    reasons, locations = reasons_active(), list(StockLocation.objects.filter(active=True))
    default_reason = str(req.reason_id if req else (reasons[0].pk if reasons else ""))
    rows = _rows(order, post, prefill, default_reason, str(locations[0].pk) if locations else "")
    suggestion = _suggestion(order, rows, post)
    if request.htmx and post is not None and post.get("action") != "create":
        return TemplateResponse(request, "admin/returns/order/suggestion.html", {"s": suggestion, "order": order})
    if post is not None and may:
        try:
            ret = return_create(
                order_id=order.pk, actor=request.user, lines=_lines(rows), request_id=post.get("request") or None,
                create_credit=post.get("create_credit") == "on", refund_shipping=post.get("refund_shipping") == "on",
                correction=post.get("correction", "0"), note=post.get("note", ""), notify=post.get("notify") == "on",
                process=post.get("save_draft") != "on",
            )  # fmt: skip
        except OrderError as exc:
            messages.error(request, exc.message)
        else:
            credit = f" Credit invoice {ret.credit_numbers}: {order.currency} {ret.credited_amount}." if (
                ret.credit_invoice_id) else ""  # fmt: skip
            messages.success(request, f"{ret} was {ret.get_status_display().lower()}.{credit}")
            return redirect("admin:orders_order_page", order.pk, RETURNS)
    context = {
        "rows": rows, "reasons": reasons, "locations": locations, "dispositions": ReturnLine.Disposition.choices,
        "request_obj": req, "s": suggestion, "refusal": "" if may else refusal,
        "checked": _checks(post), "correction": post.get("correction", "0.00") if post else "0.00",
        "note": post.get("note", "") if post else "",
    }  # fmt: skip
    return render_order_page(request, order, model_admin, slug=CREATE, title="Create return",
                             template="admin/returns/order/create.html", context=context)  # fmt: skip


def _checks(post) -> dict:
    if post is None:
        return {"create_credit": True, "refund_shipping": False, "notify": True, "save_draft": False}
    return {key: post.get(key) == "on" for key in ("create_credit", "refund_shipping", "notify", "save_draft")}


def register_pages() -> None:
    register(OrderPage(REQUESTS, "Return requests", requests_view, permission="returns.view_returnrequest",
                       position=60, replaces_placeholder=True))  # fmt: skip
    register(OrderPage(RETURNS, "Returns", returns_view, permission="returns.view_return", position=70,
                       replaces_placeholder=True))  # fmt: skip
    register(OrderPage(CREATE, "Create return", create_view, permission=PERM, tab=False, position=60,
                       operation="return"))  # fmt: skip
