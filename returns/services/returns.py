"""Returns: staff record what came back, per line where it went, and by default credit it.

Lock: `order_lock(operation="return")`: the order with its family root, then every stock level of the
order's products (one query, primary-key order); a level not yet there (restock at a new location) is made
and locked after them. When the return may be credited, the family's other orders whose money the debit
invoice holds (a combined family invoice) are locked after the root and before the levels
(`orders_a_credit_reaches`), since the credit gives money back to each of them. Then invoicing's rows (the
debit invoice, the credit series' counter) through its services, which never lock stock: orders → levels →
invoice → counter, the same way round everywhere.

Each disposition goes through the stock ledger (catalog.services), with the return's number as reference:
- restock: a RETURN movement, on hand +units at the chosen location;
- quarantine: a RETURN movement, on hand and quarantined +units (never sellable until released or
  written off, see returns.services.quarantine);
- write off (damaged): a RETURN movement +units, then an ADJUSTMENT −units (the ledger shows both);
- missing: a RETURN movement with no change at the chosen location, so the ledger records it too.
"""

from dataclasses import dataclass

from django.db import transaction

from catalog import services as stock
from catalog.exceptions import InvalidStockChange
from catalog.models import StockLocation
from invoicing.models import Invoice
from invoicing.services.issue import counter_hold
from notifications.models import EmailKind
from oms.bounds import QUANTITY_MAX, RETURN_COMMENT_MAX
from orders import hooks
from orders.models import OrderEvent
from orders.notify import order_notify

from .. import events
from ..exceptions import InvalidTransition, refuse
from ..models import Return, ReturnLine, ReturnRequest
from ..selectors import line_units, returned_units
from .common import lock, next_number, parse_text, parse_units, reason_get
from .credit import credit_for_return, orders_a_credit_reaches, parse_correction
from .exchanges import (
    ExchangeInput,
    exchange_line_ids,
    exchange_product_ids,
    exchanges_apply_locked,
    exchanges_create,
)

Source = OrderEvent.Source
D = ReturnLine.Disposition


@dataclass(frozen=True)
class LineInput:
    """One line of a return as typed: units of an order line, why, and where they go."""

    order_line_id: object
    quantity: object
    reason_id: object
    disposition: str = D.RESTOCK
    location_id: object = None
    # An exchange (returns.services.exchanges): the replacement product and its units; empty for money back.
    exchange_product_id: object = None
    exchange_quantity: object = None

    @property
    def exchange(self) -> ExchangeInput:
        return ExchangeInput(self.exchange_product_id, self.exchange_quantity)


def _location(raw, disposition: str) -> StockLocation | None:
    if raw in (None, ""):
        if disposition in ReturnLine.AT_LOCATION:
            raise refuse("location", "Location: choose where the returned units go.")
        return None
    location = StockLocation.objects.filter(pk=int(raw)).first() if str(raw).isdigit() and len(str(raw)) < 10 else None
    if location is None:
        raise refuse("location", f"Location: '{str(raw)[:20]}' is not a stock location.")
    return location


def _parsed_lines(order, lines: list[LineInput], *, exclude_return_id=None) -> list[ReturnLine]:
    """Unsaved return lines, each within what its order line shipped minus what came back already."""
    rows = {str(row.line.pk): row for row in line_units(order)}
    returned = returned_units(order.pk, exclude_return_id=exclude_return_id)
    taken: dict[int, int] = {}
    made = []
    for item in lines:
        row = rows.get(str(item.order_line_id))
        if row is None:
            raise refuse(
                "lines", f"Lines: {str(item.order_line_id)[:20]} is not a shipped line of order {order.number}."
            )
        units = parse_units(item.quantity, label=f"Units of {row.line.name[:40]}", maximum=QUANTITY_MAX)
        if units == 0:
            continue
        if item.disposition not in D.values:
            raise refuse(
                "disposition", f"Disposition: '{str(item.disposition)[:20]}' is not one of {', '.join(D.values)}."
            )
        left = row.shipped - returned[row.line.pk] - taken.get(row.line.pk, 0)
        if units > left:
            name = row.line.name[:40]
            raise refuse(
                "lines", f"Units of {name}: {units} is more than the {max(left, 0)} shipped and not returned yet."
            )
        taken[row.line.pk] = taken.get(row.line.pk, 0) + units
        made.append(
            ReturnLine(order_line=row.line, quantity=units, reason=reason_get(item.reason_id),
                       disposition=item.disposition, location=_location(item.location_id, item.disposition))
        )  # fmt: skip
        made[-1].exchange_input = item.exchange  # saved with the line by exchanges_create
    if not made:
        raise refuse("lines", "Choose at least one returned unit.")
    return made


def _request_for(order, request_id) -> ReturnRequest | None:
    if request_id in (None, ""):
        return None
    request = None
    if str(request_id).isdigit() and len(str(request_id)) < 10:
        request = ReturnRequest.objects.select_for_update().filter(pk=int(request_id), order=order).first()
    if request is None:
        raise refuse("request", f"Request: '{str(request_id)[:20]}' is not a return request of order {order.number}.")
    if request.status not in ReturnRequest.OPEN:
        raise InvalidTransition(f"{request} is {request.get_status_display().lower()}; it cannot be processed again.")
    return request


@transaction.atomic
def return_create(
    *, order_id, lines: list[LineInput], actor, request_id=None, create_credit: bool = True,
    refund_shipping: bool = False, correction="0", note: str = "", notify: bool = True, process: bool = True,
    source: str = Source.ADMIN,
) -> Return:  # fmt: skip
    """Record a return on the order (from a request, prefilled, or without one) and, by default, process it.

    Processing moves the stock of each line (see the module doc), issues the credit invoice (unless
    `create_credit` is off; see returns.services.credit), completes the request, e-mails the customer
    (`notify`) and records the events; `process=False` saves a draft whose units are held for it.
    Refused, changing nothing: lines not shipped, more units than shipped minus returned, an unknown reason
    or location, a closed request, a correction outside what can be credited, a bad note.
    """
    note = parse_text(note, label="Note", field="note", limit=RETURN_COMMENT_MAX)
    correction_amount = parse_correction(correction)
    extra = exchange_product_ids(inputs=[item.exchange for item in lines])
    reached = orders_a_credit_reaches if create_credit else None
    locked = lock(order_id, operation="return", actor=actor, change=lines, extra_product_ids=extra,
                  family_orders=reached)  # fmt: skip
    order = locked.order
    request = _request_for(order, request_id)
    made = _parsed_lines(order, lines)
    ret = Return.objects.create(
        number=next_number(order, Return, "R"), order=order, request=request, create_credit=bool(create_credit),
        refund_shipping=bool(refund_shipping), correction=correction_amount, notify_customer=bool(notify), note=note,
        created_by=actor,
    )  # fmt: skip
    for line in made:
        line.return_record = ret
    ReturnLine.objects.bulk_create(made)
    exchanges_create(made)
    if not process:
        events.return_created_event(ret=ret, rows=_rows(made), actor=actor, source=source)
        return ret
    return _process_locked(ret, made, locked, actor=actor, source=source)


def _order_of(return_id) -> int | None:
    if not str(return_id).isdigit() or len(str(return_id)) > 18:
        return None
    return Return.objects.filter(pk=int(return_id)).values_list("order_id", flat=True).first()


@transaction.atomic
def return_process(*, return_id, actor, source: str = Source.ADMIN) -> Return:
    """Process a draft return as it was saved (see return_create). Refused: a return that is not a draft."""
    order_id = _order_of(return_id)
    if order_id is None:
        raise refuse("return", f"Return {str(return_id)[:20]} does not exist.")
    locked = lock(order_id, operation="return", actor=actor, extra_product_ids=exchange_product_ids(int(return_id)),
                  family_orders=orders_a_credit_reaches)  # fmt: skip
    ret = Return.objects.select_for_update(of=("self",)).select_related("order", "request").get(pk=return_id)
    if ret.status != Return.Status.DRAFT:
        raise InvalidTransition(f"{ret} is {ret.get_status_display().lower()}; only a draft is processed.")
    made = list(ret.lines.select_related("order_line", "location", "reason").order_by("pk"))
    # Shipped units can shrink after the draft (a shipment taken back): check the draft still fits.
    _parsed_lines(ret.order, [LineInput(x.order_line_id, x.quantity, x.reason_id, x.disposition, x.location_id)
                              for x in made], exclude_return_id=ret.pk)  # fmt: skip
    return _process_locked(ret, made, locked, actor=actor, source=source)


@transaction.atomic
def return_cancel(*, return_id, actor, source: str = Source.ADMIN) -> Return:
    """Cancel a draft return: its units are free to return again. Nothing had moved yet."""
    order_id = _order_of(return_id)
    if order_id is None:
        raise refuse("return", f"Return {str(return_id)[:20]} does not exist.")
    lock(order_id, operation="return", actor=actor)
    ret = Return.objects.select_for_update(of=("self",)).select_related("order").get(pk=return_id)
    if ret.status != Return.Status.DRAFT:
        raise InvalidTransition(f"{ret} is {ret.get_status_display().lower()}; only a draft is cancelled.")
    ret.cancel()
    ret.save(update_fields=["status", "updated_at"])
    events.return_cancelled_event(ret=ret, actor=actor, source=source)
    return ret


def _rows(made: list[ReturnLine]) -> list[dict]:
    return [
        {"quantity": line.quantity, "name": line.order_line.name,
         "where": line.get_disposition_display() + (f" at {line.location.name}" if line.location else "")}
        for line in made
    ]  # fmt: skip


def _process_locked(ret: Return, made: list[ReturnLine], locked, *, actor, source: str) -> Return:
    """Stock, credit, request, events, e-mail: the processing of a return whose order the caller locked."""
    for line in made:
        _move_stock(line, locked, reference=ret.number, actor=actor)
    exchanged = exchange_line_ids(made)
    if exchanged and ret.create_credit:
        # The credit below takes a credit number, and the exchange after it may bill a dearer replacement with a
        # debit number: hold the debit counter first, the counters' one order (invoicing.services.issue), or a
        # return that issues an invoice and then credits it deadlocks with this one.
        counter_hold(Invoice.SERIES[Invoice.Kind.DEBIT])
    if ret.create_credit:
        units: dict[int, int] = {}
        for line in made:
            if line.pk not in exchanged:  # an exchange's units are settled by its difference (exchanges_apply_locked)
                units[line.order_line_id] = units.get(line.order_line_id, 0) + line.quantity
        credits, suggested, credited = credit_for_return(ret=ret, units=units, actor=actor, source=source)
        ret.credit_invoice = credits[0] if credits else None  # the first; every one is in credit_invoices
        ret.suggested_amount, ret.credited_amount = suggested, credited
        ret.credit_invoices.add(*credits)
        _see_credit(ret.order, locked.order)
    if exchanged:
        exchanges_apply_locked(ret=ret, locked=locked, actor=actor, source=source)
    ret.process()
    ret.processed_by = actor
    ret.save()
    if ret.request_id:
        ret.request.complete()
        ret.request.save(update_fields=["status", "completed_at", "updated_at"])
    events.return_processed_event(ret=ret, rows=_rows(made), actor=actor, source=source)
    if ret.notify_customer:
        order_notify(order=ret.order, kind=EmailKind.RETURN_RECEIVED, actor=actor, source=source,
                     extra_context={"return": return_email_context(ret, made)})  # fmt: skip
    hooks.run_hooks(hooks.HookContext("return", ret.order, actor=actor, change=ret))
    return ret


def _see_credit(*orders) -> None:
    """Invoicing recorded the credit on the order's row (orders' `amount_credited`, through a fresh instance):
    the instances held here read it, so a later status refresh sees what the customer still owes."""
    for order in {id(order): order for order in orders if order is not None}.values():
        order.refresh_from_db(fields=["amount_credited"])


def _move_stock(line: ReturnLine, locked, *, reference: str, actor) -> None:
    product_id = line.order_line.product_id
    if product_id is None:
        return  # a custom item has no stock to move
    if line.location_id is None:  # missing, no location chosen: record it at the product's first location
        levels = locked.for_product(product_id)
        if not levels:
            return
        level = levels[0]
    else:
        level = locked.levels.get((product_id, line.location_id))
        if level is None:
            level = stock.stock_level_get_or_create_locked(product=line.order_line.product, location=line.location)
            locked.levels[(product_id, line.location_id)] = level
    why = f"{line.reason.name} ({line.get_disposition_display().lower()})"[:200]
    try:
        if line.disposition == D.MISSING:
            stock.stock_return_missing(
                level=level, quantity=line.quantity, reason=why, reference=reference, actor=actor
            )
            return
        stock.stock_return(level=level, quantity=line.quantity, quarantine=line.disposition == D.QUARANTINE,
                           reason=why, reference=reference, actor=actor)  # fmt: skip
        if line.disposition == D.WRITE_OFF:
            stock.stock_write_off(level=level, quantity=line.quantity, reason=why, reference=reference, actor=actor)
    except InvalidStockChange as exc:
        raise refuse("lines", str(exc)) from None


def return_email_context(ret: Return, made: list[ReturnLine]) -> dict:
    """What the "return received" e-mail says about the return (a snapshot, plain data)."""
    return {
        "number": ret.number,
        "lines": [{"name": line.order_line.name, "quantity": line.quantity} for line in made],
        "credited": str(ret.credited_amount),
        "credit_invoice": ret.credit_numbers if ret.credit_invoice_id else "",
    }
