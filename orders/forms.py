"""Admin forms of the order desk. They parse and validate input; services do the work."""

import uuid
from decimal import Decimal

from django import forms
from django.utils import timezone
from unfold.widgets import UnfoldAdminSelectWidget

from catalog.models import TaxRate
from oms.bounds import PAYMENT_AMOUNT_MAX, QUANTITY_MAX, StrictIntegerField, text_validators_add

from .exceptions import OrderValidationError
from .models import ADDRESS_PARTS, Order, OrderLine, PaymentMethod, PaymentTerms
from .pricing import validate_amounts

ZERO = Decimal("0.00")


class DraftOrderForm(forms.ModelForm):
    payment_terms = forms.ChoiceField(
        choices=[("", "Customer's terms"), *PaymentTerms.choices],
        required=False,
        help_text="Left empty: the customer's default payment terms.",
    )

    class Meta:
        model = Order
        fields = (
            "customer",
            "channel",
            "external_reference",
            "payment_terms",
            "shipping_fee",
            "discount_amount",
            "memo",
            *(f"{kind}_{part}" for kind in ("billing", "shipping") for part in ADDRESS_PARTS),
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        text_validators_add(self)

    def clean_payment_terms(self):
        return self.cleaned_data["payment_terms"] or ""


def tax_rate_choices(current=None) -> list[tuple[str, str]]:
    """The shop's active tax rates (and the value a line already has, should that rate be retired)."""
    rates = {rate.rate: f"{rate.rate.normalize():f}% · {rate.name}" for rate in TaxRate.objects.filter(active=True)}
    if current is not None and current not in rates:
        rates[current] = f"{current.normalize():f}%"
    return [(f"{rate:.2f}", label) for rate, label in sorted(rates.items(), reverse=True)]


def _rate(value) -> Decimal:
    """A posted rate as a Decimal; anything else is a ValueError, which the choice field reports as invalid."""
    try:
        rate = Decimal(str(value).strip())
    except ArithmeticError:
        raise ValueError(f"{value!r} is not a tax rate")
    if not rate.is_finite():
        raise ValueError(f"{value!r} is not a tax rate")
    return rate


class TaxRateChoiceField(forms.TypedChoiceField):
    """A tax rate picked from the shop's TaxRate rows, cleaned to a Decimal."""

    def __init__(self, *, current=None, required=False, empty_label="Product's rate", **kwargs):
        choices = tax_rate_choices(current)
        if not required:
            choices = [("", empty_label), *choices]
        super().__init__(choices=choices, coerce=_rate, empty_value=None, required=required, **kwargs)

    def valid_value(self, value) -> bool:
        """'9', '9.0' and '9.00' all pick the 9 % rate."""
        try:
            wanted = Decimal(str(value))
        except ArithmeticError:
            return False
        return wanted.is_finite() and any(choice and Decimal(choice) == wanted for choice, _ in self.choices)


class DraftLineForm(forms.ModelForm):
    """A product line (name, price and tax rate come from the catalogue when left empty) or a custom item."""

    class Meta:
        model = OrderLine
        fields = ("product", "name", "quantity", "unit_price", "discount_amount", "tax_rate")
        help_texts = {"product": "Empty for a custom item."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "quantity" in self.fields:  # the admin's widget (and its look) is kept, the parsing is strict
            widget = self.fields["quantity"].widget
            self.fields["quantity"] = StrictIntegerField(min_value=1, max_value=QUANTITY_MAX, widget=widget)
        if "tax_rate" in self.fields:  # the admin's select shows the rates; this field also refuses others
            self.fields["tax_rate"] = TaxRateChoiceField(
                current=self.instance.tax_rate,
                help_text="Custom items: one of the shop's tax rates.",
                widget=UnfoldAdminSelectWidget,
            )
        text_validators_add(self)
        for name in ("name", "unit_price", "tax_rate", "discount_amount"):
            if name in self.fields:  # a placed order's lines are shown read-only, without form fields
                self.fields[name].required = False
        if "name" in self.fields:
            self.fields["name"].help_text = "Custom item name (product lines: the catalogue name)."

    def clean(self):
        data = super().clean()
        product = data.get("product")
        if product is not None and "product" in self.changed_data:
            self._forget_catalogue_values(data)
        if product is None:
            for name in ("name", "unit_price", "tax_rate"):
                if data.get(name) in (None, "") and name not in self.errors:
                    # On the field that is missing, so the clerk sees where; a product line needs none of them.
                    self.add_error(name, "Choose a product, or give a custom item a name, a unit price and a tax rate.")
        if data.get("discount_amount") is None:
            data["discount_amount"] = ZERO
        return data

    def _post_clean(self):
        super()._post_clean()
        if self.cleaned_data.get("product") is None:
            return
        # Left empty (or not sent): the draft service copies the catalogue's values onto the line.
        for name in ("unit_price", "tax_rate"):
            if self.cleaned_data.get(name) is None:
                setattr(self.instance, name, None)
        if not self.cleaned_data.get("name"):
            self.instance.name = ""

    def _forget_catalogue_values(self, data) -> None:
        # A newly chosen product brings its own name, price and tax rate unless the clerk typed others.
        self.instance.sku = ""
        for name in ("name", "unit_price", "tax_rate"):
            if name not in self.changed_data:
                data[name] = "" if name == "name" else None


class DraftLineFormSet(forms.BaseInlineFormSet):
    """Checks the draft's discounts against its lines before anything is saved, so a refused discount
    comes back as a form error with everything the clerk typed still in the form."""

    def clean(self):
        super().clean()
        if any(self.errors) or self.instance.status != Order.Status.DRAFT:
            return
        lines = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            line = OrderLine(
                quantity=data.get("quantity") or 0,
                name=data.get("name") or "",
                unit_price=data.get("unit_price"),
                discount_amount=data.get("discount_amount") or ZERO,
            )
            if line.unit_price is None and data.get("product") is not None:
                line.unit_price = data["product"].unit_price
            lines.append(line)
        try:
            validate_amounts(self.instance, lines)
        except OrderValidationError as exc:
            raise forms.ValidationError(exc.message) from exc


class TextCheckedForm(forms.Form):
    """A plain form whose text fields refuse NUL, control characters and lone surrogates."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        text_validators_add(self)


class OrderCancelForm(TextCheckedForm):
    reason = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"size": 60}))


class PaymentRecordForm(TextCheckedForm):
    """Record payment. `idempotency_key` is a hidden token made when the form is shown: submitting the same
    form twice (double click, back and resubmit) records one payment."""

    amount = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01"), max_value=PAYMENT_AMOUNT_MAX
    )
    paid_on = forms.DateField(
        label="Payment date", widget=forms.DateInput(attrs={"type": "date"}), help_text="The day the money arrived."
    )
    method = forms.ChoiceField(choices=[("", "---------"), *PaymentMethod.choices])
    reference = forms.CharField(
        max_length=100, required=False, help_text="Bank statement line, card terminal receipt or provider reference."
    )
    overpayment = forms.BooleanField(
        required=False,
        label="Overpayment",
        help_text="Tick to record more than the balance due; the difference is then owed back to the customer.",
    )
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paid_on"].initial = timezone.localdate()
        self.fields["idempotency_key"].initial = uuid.uuid4().hex

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data["allow_overpayment"] = data.pop("overpayment")
        return data


class PaymentReverseForm(TextCheckedForm):
    payment = StrictIntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        max_length=200, widget=forms.TextInput(attrs={"size": 60}), help_text="Shown in the order's history."
    )


class LineCancelForm(TextCheckedForm):
    line = StrictIntegerField(widget=forms.HiddenInput)
    quantity = StrictIntegerField(
        min_value=1, max_value=QUANTITY_MAX, widget=forms.NumberInput(attrs={"style": "width: 5em"})
    )
    reason = forms.CharField(max_length=200, required=False)


class MemoForm(TextCheckedForm):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 80}), label="New memo")
