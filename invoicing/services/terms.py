"""Payment terms: which terms an invoice gets, and the due dates and instalments they give.

Pure date arithmetic apart from `terms_default`; the issue service calls `schedule` with the issue date.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from oms.money import ZERO, allocate

from ..models import CustomerTerms, PaymentTerms

Kind = PaymentTerms.Kind


@dataclass
class Schedule:
    due_date: date | None  # None: due on fulfilment, set when the order ships
    instalments: list[tuple[date, Decimal]] = field(default_factory=list)
    discount_until: date | None = None


def terms_default(customer) -> PaymentTerms | None:
    """The customer's own terms (wholesale), else the terms whose code is the customer's terms code."""
    own = CustomerTerms.objects.filter(customer=customer).select_related("terms").first()
    if own and own.terms.active:
        return own.terms
    return PaymentTerms.objects.filter(code=customer.payment_terms, active=True).first()


def end_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def schedule(terms: PaymentTerms | None, *, issue_date: date, total: Decimal, portions=None) -> Schedule:
    """Due date, instalments and early-payment discount date of an invoice of `total` issued on `issue_date`.

    `portions` are the terms' schedule rows (passed in so callers that prefetched them make no query).
    A schedule's instalments share the total by percent in whole cents (the parts add up to the total);
    its due date is the first instalment's (what is owed first).
    """
    if terms is None or terms.kind == Kind.IMMEDIATE:
        return Schedule(due_date=issue_date)
    discount_until = issue_date + timedelta(days=terms.discount_days) if terms.discount_percent > 0 else None
    if terms.kind == Kind.FIXED_DATE:
        return Schedule(due_date=max(terms.fixed_due_date, issue_date), discount_until=discount_until)
    if terms.kind == Kind.NET_DAYS:
        return Schedule(due_date=issue_date + timedelta(days=terms.days), discount_until=discount_until)
    if terms.kind == Kind.END_OF_MONTH:
        return Schedule(due_date=end_of_month(issue_date) + timedelta(days=terms.days), discount_until=discount_until)
    if terms.kind == Kind.ON_FULFILMENT:
        return Schedule(due_date=None, discount_until=discount_until)
    parts = list(portions if portions is not None else terms.portions.all())
    if not parts or total <= ZERO:
        return Schedule(due_date=issue_date, discount_until=discount_until)
    amounts = allocate(total, [part.percent for part in parts])
    instalments = [
        (issue_date + timedelta(days=part.days), amount)
        for part, amount in zip(parts, amounts, strict=True)
        if amount > 0
    ]
    return Schedule(due_date=instalments[0][0], instalments=instalments, discount_until=discount_until)


def terms_text(terms: PaymentTerms | None) -> str:
    if terms is None:
        return "Immediate"
    text = terms.name
    if terms.discount_percent > 0 and terms.discount_percent.normalize().to_eng_string() not in text:
        text += f" ({terms.discount_percent} % discount within {terms.discount_days} days)"
    return text[:200]
