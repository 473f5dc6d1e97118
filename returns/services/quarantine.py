"""Quarantined units of a processed return leave quarantine: released to sellable stock, or written off.

Lock: `order_lock(operation="return")` (order, family root, then the order's stock levels in pk order), then
the return line. Each through the stock ledger: release is a QUARANTINE movement (quarantined −units, on hand
unchanged: the units were on hand all along), write-off an ADJUSTMENT (on hand and quarantined −units).
"""

from django.db import transaction

from catalog import services as stock
from orders.models import OrderEvent

from .. import events
from ..exceptions import InvalidTransition, refuse
from ..models import Return, ReturnLine
from .common import lock, parse_units

Source = OrderEvent.Source
ACTIONS = ("release", "write_off")


@transaction.atomic
def quarantine_resolve(*, line_id, action: str, quantity, actor, source: str = Source.ADMIN) -> ReturnLine:
    """Release (`action="release"`) or write off (`"write_off"`) units of a return line still in quarantine.

    Refused, changing nothing: an unknown line or action, a line not in quarantine or of a return not yet
    processed, more units than are still in quarantine.
    """
    if action not in ACTIONS:
        raise refuse("action", f"Action: choose one of {', '.join(ACTIONS)}.")
    order_id = None
    if str(line_id).isdigit() and len(str(line_id)) < 10:
        order_id = ReturnLine.objects.filter(pk=int(line_id)).values_list("return_record__order_id", flat=True).first()
    if order_id is None:
        raise refuse("line", f"Return line {str(line_id)[:20]} does not exist.")
    locked = lock(order_id, operation="return", actor=actor)
    line = (
        ReturnLine.objects.select_for_update(of=("self",))
        .select_related("return_record__order", "order_line__product", "location")
        .get(pk=int(line_id))
    )
    if line.return_record.status != Return.Status.PROCESSED or line.disposition != ReturnLine.Disposition.QUARANTINE:
        raise InvalidTransition(f"{line.order_line.name} of {line.return_record} is not in quarantine.")
    units = parse_units(quantity, label=f"Units of {line.order_line.name[:40]}", maximum=line.in_quarantine,
                        field="quantity")  # fmt: skip
    if units == 0:
        raise refuse("quantity", "Choose at least one quarantined unit.")
    if line.order_line.product_id is not None:
        level = locked.levels[(line.order_line.product_id, line.location_id)]
        reference, why = line.return_record.number, f"Return {line.return_record.number}: quarantine"
        if action == "release":
            stock.stock_quarantine_release(level=level, quantity=units, reason=f"{why} released", reference=reference,
                                           actor=actor)  # fmt: skip
        else:
            stock.stock_write_off(level=level, quantity=units, from_quarantine=True, reason=f"{why} written off",
                                  reference=reference, actor=actor)  # fmt: skip
    if action == "release":
        line.quarantine_released += units
    else:
        line.quarantine_written_off += units
    line.save(update_fields=["quarantine_released", "quarantine_written_off"])
    events.quarantine_done_event(line=line, action=action, quantity=units, actor=actor, source=source)
    return line
