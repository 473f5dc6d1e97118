"""Validation of the channel import payload with plain Django forms, one form per JSON object.

`validate_order_payload(data)` returns (cleaned, errors). `errors` maps a path such as
`customer.email` or `lines[2].quantity` to its messages, so a channel sees every mistake at once.
"""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.forms import BaseFormSet, formset_factory

from catalog.models import TaxRate
from oms import bounds
from oms.bounds import StrictIntegerField, text_validators_add

ZERO = Decimal("0.00")
MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": ZERO}


class CheckedForm(forms.Form):
    """Every text field refuses NUL, control characters and lone surrogates (which PostgreSQL cannot store)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        text_validators_add(self)


class OrderForm(CheckedForm):
    external_id = forms.CharField(max_length=100)
    shipping_fee = forms.DecimalField(required=False, max_value=bounds.SHIPPING_FEE_MAX, **MONEY)
    discount = forms.DecimalField(required=False, max_value=bounds.ORDER_TOTAL_MAX, **MONEY)
    memo = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)


class CustomerForm(CheckedForm):
    email = forms.EmailField()
    name = forms.CharField(max_length=150)
    company = forms.CharField(required=False, max_length=150)
    phone = forms.CharField(required=False, max_length=40)


class AddressForm(CheckedForm):
    name = forms.CharField(max_length=150)
    company = forms.CharField(required=False, max_length=150)
    street = forms.CharField(max_length=200)
    postal_code = forms.CharField(max_length=20)
    city = forms.CharField(max_length=100)
    country = forms.RegexField(regex=r"^[A-Z]{2}$", error_messages={"invalid": "Use a two-letter ISO 3166 code."})


class LineForm(CheckedForm):
    """A catalogue line (sku) or a custom item (name, unit_price and tax_rate, no sku)."""

    sku = forms.CharField(required=False, max_length=64)
    name = forms.CharField(required=False, max_length=200)
    quantity = StrictIntegerField(min_value=1, max_value=bounds.QUANTITY_MAX)
    unit_price = forms.DecimalField(required=False, max_value=bounds.UNIT_PRICE_MAX, **MONEY)
    discount = forms.DecimalField(required=False, max_value=bounds.LINE_TOTAL_MAX, **MONEY)
    tax_rate = forms.DecimalField(
        required=False, max_digits=5, decimal_places=2, min_value=ZERO, max_value=bounds.TAX_RATE_MAX
    )

    def __init__(self, *args, tax_rates: frozenset = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.tax_rates = tax_rates

    def clean_tax_rate(self):
        rate = self.cleaned_data.get("tax_rate")
        if rate is not None and rate not in self.tax_rates:
            rates = ", ".join(str(r) for r in sorted(self.tax_rates, reverse=True))
            raise forms.ValidationError(f"{rate} is not one of the shop's tax rates ({rates}).")
        return rate

    def clean(self):
        data = super().clean()
        price, quantity = data.get("unit_price"), data.get("quantity")
        if price is not None and quantity is not None and price * quantity > bounds.LINE_TOTAL_MAX:
            self.add_error(
                "quantity", f"quantity × unit_price is more than the most a line may be, {bounds.LINE_TOTAL_MAX}."
            )
        if data.get("sku"):
            return data
        missing = [part for part in ("name", "unit_price", "tax_rate") if data.get(part) in (None, "")]
        for part in missing:
            if part not in self.errors:
                self.add_error(part, "A line without a sku is a custom item and needs a name, unit_price and tax_rate.")
        return data


class BaseLineFormSet(BaseFormSet):
    default_error_messages = {
        "too_few_forms": "Send at least %(num)d line.",
        "too_many_forms": "Send at most %(num)d lines.",
        "missing_management_form": "Lines are missing.",
    }


def line_formset_class():
    return formset_factory(
        LineForm,
        formset=BaseLineFormSet,
        extra=0,
        min_num=1,
        validate_min=True,
        max_num=settings.OMS_API_MAX_LINES,
        validate_max=True,
        absolute_max=settings.OMS_API_MAX_LINES + 1,
    )


def _scalars(obj: dict, form_class, prefix: str, errors: dict) -> dict:
    """Form data from a JSON object; a list or an object where the form expects a value is an error."""
    for name in form_class.base_fields:
        if isinstance(obj.get(name), dict | list):
            errors[f"{prefix}{name}"] = ["Send a string or a number here, not a list or an object."]
    return {key: value for key, value in obj.items() if not isinstance(value, dict | list)}


def _nested_form(form_class, data: dict, key: str, errors: dict, *, required: bool = True):
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, dict):
        errors[key] = ["This field is required and must be an object."]
        return None
    form = form_class(_scalars(value, form_class, f"{key}.", errors))
    if not form.is_valid():
        errors.update({f"{key}.{field}": list(messages) for field, messages in form.errors.items()})
    return form


def _lines_formset(data: dict, errors: dict):
    lines = data.get("lines")
    if not isinstance(lines, list):
        errors["lines"] = ["This field is required and must be a list of objects."]
        return None
    formset_data = {"lines-TOTAL_FORMS": str(len(lines)), "lines-INITIAL_FORMS": "0"}
    for index, line in enumerate(lines):
        if not isinstance(line, dict):
            errors[f"lines[{index}]"] = ["Each line must be an object."]
            line = {}
        scalars = _scalars(line, LineForm, f"lines[{index}].", errors)
        formset_data.update({f"lines-{index}-{key}": value for key, value in scalars.items()})
    # An empty line object must be reported, not skipped as an unchanged extra form.
    tax_rates = frozenset(TaxRate.objects.filter(active=True).values_list("rate", flat=True))
    formset = line_formset_class()(
        formset_data, prefix="lines", form_kwargs={"empty_permitted": False, "tax_rates": tax_rates}
    )
    if not formset.is_valid():
        for index, form_errors in enumerate(formset.errors):
            errors.update({f"lines[{index}].{field}": list(messages) for field, messages in form_errors.items()})
        if formset.non_form_errors():
            errors.setdefault("lines", []).extend(formset.non_form_errors())
    return formset


def validate_order_payload(data) -> tuple[dict | None, dict[str, list[str]]]:
    """Validate the whole payload; return the cleaned payload, or None and every error by path."""
    if not isinstance(data, dict):
        return None, {"__all__": ["The body must be a JSON object."]}
    errors: dict[str, list[str]] = {}
    order_form = OrderForm(_scalars(data, OrderForm, "", errors))
    if not order_form.is_valid():
        errors.update({field: list(messages) for field, messages in order_form.errors.items()})
    customer = _nested_form(CustomerForm, data, "customer", errors)
    billing = _nested_form(AddressForm, data, "billing_address", errors)
    shipping = _nested_form(AddressForm, data, "shipping_address", errors, required=False)
    lines = _lines_formset(data, errors)
    if errors:
        return None, errors
    cleaned = dict(order_form.cleaned_data)
    cleaned["customer"] = customer.cleaned_data
    cleaned["billing_address"] = billing.cleaned_data
    cleaned["shipping_address"] = shipping.cleaned_data if shipping else billing.cleaned_data
    cleaned["lines"] = [form.cleaned_data for form in lines.forms]
    return cleaned, {}
