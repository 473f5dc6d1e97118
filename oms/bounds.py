"""Bounds of every number and text a user, a channel or a clerk can type: one set, used everywhere.

Model fields take these validators and the database holds the same limits as check constraints;
the admin forms, the edit staging, the stock forms and the import API reuse them, so a value that
passes a form can always be stored and shown. The money limits leave headroom in the 12-digit money
columns (largest storable 9 999 999 999.99): a line's value is at most LINE_TOTAL_MAX and an order's
total at most ORDER_TOTAL_MAX, so no sum of lines, tax or family total can outgrow its column. A split
family's total (the root's expected family total) is held to the same ORDER_TOTAL_MAX: splitting only
divides an order, so only edits raise it. One payment is at most ORDER_TOTAL_MAX and what an order holds
(`amount_paid`, payments with overpayments) at most AMOUNT_PAID_MAX, what its column stores.

Text: NUL, other control characters (tab, newline and carriage return are allowed in multi-line
text only) and lone UTF-16 surrogates are refused; they break PostgreSQL, e-mail headers or pages.
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.deconstruct import deconstructible

ZERO = Decimal("0.00")

QUANTITY_MAX = 100_000  # units on one order line
UNIT_PRICE_MAX = Decimal("1000000.00")  # a unit price, and a custom item's price
SHIPPING_FEE_MAX = Decimal("1000000.00")
LINE_TOTAL_MAX = Decimal("100000000.00")  # a line's value (quantity × price) and its stored amounts
ORDER_TOTAL_MAX = Decimal("1000000000.00")  # an order's total and its order discount
FAMILY_TOTAL_MAX = ORDER_TOTAL_MAX  # the totals of a split family together
PAYMENT_AMOUNT_MAX = ORDER_TOTAL_MAX  # one payment (or the reversal of one)
AMOUNT_PAID_MAX = Decimal("9999999999.99")  # what one order holds: the largest amount its money column stores
TAX_RATE_MAX = Decimal("100.00")  # percent
STOCK_CHANGE_MAX = 1_000_000  # units received or adjusted in one movement
STOCK_LEVEL_MAX = 1_000_000_000  # units on hand at one location (the column holds 2 147 483 647)

QUANTITY_VALIDATORS = [MinValueValidator(1), MaxValueValidator(QUANTITY_MAX)]
UNIT_PRICE_VALIDATORS = [MinValueValidator(ZERO), MaxValueValidator(UNIT_PRICE_MAX)]
SHIPPING_FEE_VALIDATORS = [MinValueValidator(ZERO), MaxValueValidator(SHIPPING_FEE_MAX)]
LINE_DISCOUNT_VALIDATORS = [MinValueValidator(ZERO), MaxValueValidator(LINE_TOTAL_MAX)]
ORDER_DISCOUNT_VALIDATORS = [MinValueValidator(ZERO), MaxValueValidator(ORDER_TOTAL_MAX)]
TAX_RATE_VALIDATORS = [MinValueValidator(ZERO), MaxValueValidator(TAX_RATE_MAX)]

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_SINGLE_LINE = re.compile("[\x00-\x1f\x7f]")


def text_problem(value: str, *, multiline: bool = True) -> str | None:
    """Why `value` cannot be stored as text, or None."""
    if _SURROGATE.search(value):
        return "contains an invalid character (a lone UTF-16 surrogate)."
    if "\x00" in value:
        return "contains a NUL character."
    if (_CONTROL if multiline else _CONTROL_SINGLE_LINE).search(value):
        return "contains a control character."
    return None


@deconstructible
class TextValidator:
    """Refuses NUL, control characters and lone surrogates (tab and line breaks only in multi-line text)."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, value) -> None:
        if not isinstance(value, str):
            return
        problem = text_problem(value, multiline=self.multiline)
        if problem:
            raise ValidationError(f"This text {problem}", code="invalid_text")

    def __eq__(self, other) -> bool:
        return isinstance(other, TextValidator) and other.multiline == self.multiline


SINGLE_LINE_TEXT = [TextValidator()]
MULTI_LINE_TEXT = [TextValidator(multiline=True)]


def text_validators_add(form: forms.BaseForm) -> None:
    """Give every text field of a form the text validator (multi-line for textareas); passwords excepted."""
    for field in form.fields.values():
        if not isinstance(field, forms.CharField) or isinstance(field.widget, forms.PasswordInput):
            continue
        validator = TextValidator(multiline=isinstance(field.widget, forms.Textarea))
        if validator not in field.validators:
            field.validators.append(validator)


# --- parsing: numbers as people type them ------------------------------------------------------------------

_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")  # longer numbers are out of every bound (and int() refuses 4300+ digits)


def parse_quantity(value, *, label: str, minimum: int = 1, maximum: int = QUANTITY_MAX) -> int:
    """A plain whole number within bounds: '1.0', ' 3 ', '1e3' and '' are refused with a message naming `label`."""
    text = value if isinstance(value, str) else str(value)
    if isinstance(value, bool) or not _INTEGER.fullmatch(text):
        raise ValidationError(
            f"{label}: '{text[:40]}' is not a whole number from {minimum} to {maximum}.", code="invalid"
        )
    number = int(text)
    if not minimum <= number <= maximum:
        raise ValidationError(
            f"{label}: {number} is not a whole number from {minimum} to {maximum}.", code="out_of_range"
        )
    return number


def parse_amount(value, *, label: str, maximum: Decimal, minimum: Decimal = ZERO) -> Decimal:
    """A finite amount with at most two decimals within bounds: NaN, Infinity, 1e400 and '' are refused."""
    text = str(value).strip().replace(",", ".")
    if not text:
        raise ValidationError(f"{label}: an amount is required.", code="required")
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{label}: '{text[:40]}' is not an amount.", code="invalid")
    if not amount.is_finite():
        raise ValidationError(f"{label}: '{text[:40]}' is not an amount.", code="invalid")
    if not minimum <= amount <= maximum:
        raise ValidationError(f"{label}: {text[:40]} is outside {minimum}..{maximum}.", code="out_of_range")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(f"{label}: use at most two decimals.", code="invalid")
    return amount.quantize(Decimal("0.01"))


class StrictIntegerField(forms.IntegerField):
    """An integer field that takes only plain whole numbers: '1.0' and ' 3 ' are errors, not 1 and 3."""

    default_error_messages = {"invalid": "Enter a whole number (digits only, e.g. 3) within the limits."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, bool) or not _INTEGER.fullmatch(str(value)):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return int(str(value))


# --- invoicing -----------------------------------------------------------------------------------------------
PAYMENT_DAYS_MAX = 366  # days of payment terms (Net N, N days after month end, early-payment discount window)
PERCENT_MAX = Decimal("100.00")  # a schedule portion, an early-payment discount
INVOICE_TOTAL_MAX = ORDER_TOTAL_MAX  # one invoice: an order, or a split family (whose total stays its first total)
PAYMENT_DAYS_VALIDATORS = [MinValueValidator(0), MaxValueValidator(PAYMENT_DAYS_MAX)]
PERCENT_VALIDATORS = [MinValueValidator(ZERO), MaxValueValidator(PERCENT_MAX)]
INVOICE_AMOUNT_VALIDATORS = [MinValueValidator(ZERO), MaxValueValidator(INVOICE_TOTAL_MAX)]

# --- returns -------------------------------------------------------------------------------------------------
RETURN_COMMENT_MAX = 2000  # a customer's comment on a return request, a staff note on a return
RETURN_CORRECTION_MAX = INVOICE_TOTAL_MAX  # a return's correction of the suggested credit, either way
RETURN_CORRECTION_VALIDATORS = [MinValueValidator(-RETURN_CORRECTION_MAX), MaxValueValidator(RETURN_CORRECTION_MAX)]

# Reports (reports.forms): the dates a report may ask for, and the longest range one page aggregates.
REPORT_DATE_MIN = date(2000, 1, 1)
REPORT_DATE_MAX = date(2099, 12, 31)
REPORT_RANGE_MAX_DAYS = 3 * 366  # three years: longer ranges are refused rather than aggregated for minutes
REPORT_DAILY_MAX_DAYS = 186  # a per-day table over more than six months is unreadable: use weeks or months
