"""Edit order: staff stage changes, see the new totals, stock and the customer's e-mail, then commit or discard.

The staged changes live in a StagedEdit row per staff member, so the page works as plain form posts; with
htmx every change re-renders only the workspace. The form carries the version the stage was based on, and
the commit is refused (StaleOrder) when someone else committed in between.
"""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from catalog.models import Product, TaxRate
from oms import bounds
from oms.bounds import parse_amount, parse_quantity, text_problem

from ..exceptions import OrderError, OrderValidationError
from ..models import OrderLine
from ..services.edit import (
    CustomItem,
    EditChanges,
    edit_refusal,
    order_edit_preview,
    staged_edit_commit,
    staged_edit_discard,
    staged_edit_get,
    staged_edit_save,
)
from . import OrderPage, register
from .rendering import render_order_page

SLUG = "edit"


def _int(value, label: str, *, minimum: int = 0, maximum: int = bounds.QUANTITY_MAX) -> int:
    try:
        return parse_quantity(value, label=label, minimum=minimum, maximum=maximum)
    except ValidationError as exc:
        raise OrderValidationError(exc.messages[0])


def _amount(value, label: str, maximum) -> Decimal:
    try:
        return parse_amount(value, label=label, maximum=maximum)
    except ValidationError as exc:
        raise OrderValidationError(exc.messages[0])


def _tax_rate(value) -> Decimal:
    """A custom item's tax rate: one of the shop's active rates, as the select offers them."""
    rate = _amount(value, "Tax rate", bounds.TAX_RATE_MAX)
    if not TaxRate.objects.filter(active=True, rate=rate).exists():
        raise OrderValidationError(f"Tax rate: {rate} % is not one of the shop's tax rates.")
    return rate


def _custom_item(post) -> CustomItem:
    name = post["custom_name"].strip()
    problem = text_problem(name, multiline=False)
    if problem:
        raise OrderValidationError(f"Custom item name {problem}")
    if len(name) > OrderLine._meta.get_field("name").max_length:
        raise OrderValidationError("Custom item name: at most 200 characters.")
    return CustomItem(
        name=name,
        unit_price=_amount(post.get("custom_price", ""), "Price of the custom item", bounds.UNIT_PRICE_MAX),
        tax_rate=_tax_rate(post.get("custom_tax_rate", "")),
        quantity=_int(post.get("custom_qty") or "1", "Quantity of the custom item", minimum=1),
    )


def _new_product(post):
    """The product to add: chosen in the autocomplete (its id), or typed as a SKU (plain form posts)."""
    chosen, sku = post.get("new_product", "").strip(), post.get("new_sku", "").strip()
    if chosen:
        product = Product.objects.filter(pk=_int(chosen, "Product", maximum=2**31 - 1), active=True).first()
        if product is None:
            raise OrderValidationError("That product is no longer for sale.")
        return product
    if sku:
        product = None if text_problem(sku) else Product.objects.filter(sku__iexact=sku, active=True).first()
        if product is None:
            raise OrderValidationError(f"No product for sale with SKU '{sku[:64]}'.")
        return product
    return None


def product_autocomplete(admin_site):
    """The same product autocomplete as the draft's lines (price and stock in each choice), named new_product."""
    widget = AutocompleteSelect(OrderLine._meta.get_field("product"), admin_site, attrs={"aria-label": "Product"})
    field = forms.ModelChoiceField(Product.objects.filter(active=True), required=False, widget=widget)
    form = forms.Form(auto_id="%s")
    form.fields["new_product"] = field
    return form["new_product"], form.media


def _changes_from_post(post, order, staged: EditChanges) -> EditChanges:
    """Read the workspace form: current lines, staged additions, and at most one new product or custom item.

    Every number is checked against oms.bounds here, when it is staged, so a stored stage always renders.
    """
    changes = EditChanges()
    for line in order.lines.all():
        if f"qty_{line.pk}" in post:
            quantity = _int(post[f"qty_{line.pk}"], f"Quantity of '{line.name}'")
            if quantity != line.quantity_active:
                changes.quantities[line.pk] = quantity
    for product_id, quantity in staged.added.items():
        quantity = _int(post.get(f"add_qty_{product_id}", str(quantity)), "Quantity of an added product")
        if quantity > 0:
            changes.added[product_id] = quantity
    for index, item in enumerate(staged.custom_items):
        item.quantity = _int(post.get(f"custom_qty_{index}", str(item.quantity)), f"Quantity of '{item.name}'")
        if item.quantity > 0:
            changes.custom_items.append(item)
    fee = post.get("shipping_fee", "").strip()
    if fee and _amount(fee, "Shipping fee", bounds.SHIPPING_FEE_MAX) != order.shipping_fee:
        changes.shipping_fee = _amount(fee, "Shipping fee", bounds.SHIPPING_FEE_MAX)
    product = _new_product(post)
    if product is not None:
        quantity = changes.added.get(product.pk, 0) + _int(post.get("new_qty") or "1", "Quantity", minimum=1)
        changes.added[product.pk] = _int(str(quantity), "Quantity")
    if post.get("custom_name", "").strip():
        changes.custom_items.append(_custom_item(post))
    return changes


def _workspace_context(order, staged) -> dict:
    """Rows for the form: each line with its staged quantity, new amount and the stock it could hold."""
    changes = EditChanges.from_json(staged.changes)
    preview = order_edit_preview(order_id=order.pk, changes=changes, note=staged.note)
    lines = list(order.lines.select_related("product").order_by("position", "pk"))
    after = {line.pk: line for line in preview.lines}
    existing = {line.pk for line in lines}
    new_lines = [line for line in preview.lines if line.pk not in existing] if preview.diff else []
    products = Product.objects.in_bulk(list(changes.added))
    additions = [
        {"key": f"add_qty_{pk}", "name": products[pk].name, "sku": products[pk].sku, "quantity": quantity,
         "unit_price": products[pk].unit_price, "available": preview.available.get(pk, 0)}
        for pk, quantity in changes.added.items() if pk in products
    ] + [
        {"key": f"custom_qty_{index}", "name": item.name, "sku": "", "quantity": item.quantity,
         "unit_price": item.unit_price, "available": None}
        for index, item in enumerate(changes.custom_items)
    ]  # fmt: skip
    for row, line in zip(additions, new_lines, strict=False):
        row["new_total"] = line.gross
    for row in additions:
        row["short"] = row["available"] is not None and row["quantity"] > row["available"]
    rows = [
        {
            "line": line,
            "quantity": changes.quantities.get(line.pk, line.quantity_active),
            "new_total": after[line.pk].gross if preview.diff and line.pk in after else None,
            "available": preview.available.get(line.product_id) if line.product_id else None,
        }
        for line in lines
    ]
    for row in rows:
        open_wanted = row["quantity"] - row["line"].quantity_shipped
        row["short"] = row["available"] is not None and open_wanted > row["available"]
    return {
        "staged": staged,
        "preview": preview,
        "rows": rows,
        "additions": additions,
        "balance": _balance(preview),
        "stale": staged.base_version != order.version,
        "refusal": edit_refusal(order),
    }


def _balance(preview) -> dict | None:
    if not preview.diff:
        return None
    due = preview.diff["balance_due"]
    if due < 0:
        return {"label": "Refund due (owed to the customer)", "amount": -due}
    return {"label": "Balance due", "amount": due}


def _post(request, order, staged):
    action = request.POST.get("action", "update")
    if action == "discard":
        staged_edit_discard(order=order, staff=request.user)
        messages.info(request, "The staged changes were discarded; the order is unchanged.")
        return redirect("admin:orders_order_change", order.pk)
    try:
        changes = _changes_from_post(request.POST, order, EditChanges.from_json(staged.changes))
        notify = request.POST.get("notify") == "on"
        staged = staged_edit_save(staged=staged, changes=changes, note=request.POST.get("note", ""), notify=notify)
        if action == "commit":
            base_version = _int(request.POST.get("base_version", ""), "Version", maximum=2**31 - 1)
            order = staged_edit_commit(staged=staged, base_version=base_version, actor=request.user)
            messages.success(request, f"{order} was saved as version {order.version}.")
            return redirect("admin:orders_order_change", order.pk)
    except OrderError as error:
        messages.error(request, error.message)
    return None


def edit_view(request, order, model_admin):
    staged = staged_edit_get(order=order, staff=request.user)
    if request.method == "POST":
        response = _post(request, order, staged)
        if response is not None:
            return response
        staged.refresh_from_db()
        order.refresh_from_db()
        if not request.htmx:
            return redirect("admin:orders_order_page", order.pk, SLUG)
    product_select, product_media = product_autocomplete(model_admin.admin_site)
    context = {
        "order": order,
        **_workspace_context(order, staged),
        "product_select": product_select,
        "product_media": product_media,
        "tax_rates": TaxRate.objects.filter(active=True).order_by("-rate"),
    }
    if request.htmx:
        return TemplateResponse(request, "admin/orders/order/edit_workspace.html", context)
    return render_order_page(
        request, order, model_admin, slug=SLUG, title="Edit order", template="admin/orders/order/edit.html",
        context=context,
    )  # fmt: skip


register(
    OrderPage(
        SLUG,
        "Edit order",
        edit_view,
        permission="orders.edit_order",
        tab=False,
        position=10,
        operation="edit",
    )
)
