"""Forms of the invoice pages: they parse; the services decide and refuse (naming the field)."""

from django import forms
from unfold.widgets import (
    UnfoldAdminDateWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from oms.bounds import text_validators_add

from .models import PaymentTerms


def _terms_choices():
    return [("", "The customer's terms")] + [(t.pk, t.name) for t in PaymentTerms.objects.filter(active=True)]


class InvoiceCreateForm(forms.Form):
    terms = forms.TypedChoiceField(
        choices=(), required=False, coerce=int, empty_value=None, widget=UnfoldAdminSelectWidget
    )
    note = forms.CharField(required=False, max_length=2000, widget=UnfoldAdminTextareaWidget(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["terms"].choices = _terms_choices()
        text_validators_add(self)


class DraftForm(forms.Form):
    terms = forms.TypedChoiceField(
        choices=(), required=False, coerce=int, empty_value=None, widget=UnfoldAdminSelectWidget
    )
    due_date = forms.DateField(
        required=False, widget=UnfoldAdminDateWidget, help_text="Empty: from the terms when the invoice is issued."
    )
    note = forms.CharField(
        required=False, max_length=2000, widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
        help_text="Printed on the invoice.",
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["terms"].choices = [(t.pk, t.name) for t in PaymentTerms.objects.filter(active=True)]
        text_validators_add(self)


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=200, widget=UnfoldAdminTextInputWidget, help_text="Kept in the history.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        text_validators_add(self)


class SendForm(forms.Form):
    note = forms.CharField(
        required=False, max_length=1000, widget=UnfoldAdminTextareaWidget(attrs={"rows": 2}),
        help_text="Added to the e-mail.",
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        text_validators_add(self)


class CreditForm(forms.Form):
    """Units per line (fields `line_<id>`) or an amount; the service checks the limits."""

    amount = forms.CharField(
        required=False, max_length=20, widget=UnfoldAdminTextInputWidget,
        help_text="Or credit an amount (tax shared over the invoice's rates); leave the units at 0.",
    )  # fmt: skip
    reason = forms.CharField(max_length=200, widget=UnfoldAdminTextInputWidget)

    def __init__(self, *args, lines=(), credited=None, **kwargs):
        super().__init__(*args, **kwargs)
        credited = credited or {}
        self.line_fields = []
        for line in lines:
            left = line.quantity - credited.get(line.pk, 0)
            name = f"line_{line.pk}"
            self.fields[name] = forms.CharField(
                required=False, initial="0", max_length=6, label=f"{line.name} ({left} of {line.quantity} left)",
                widget=UnfoldAdminTextInputWidget(attrs={"inputmode": "numeric", "size": 4}),
            )  # fmt: skip
            self.line_fields.append((name, line, left))
        text_validators_add(self)

    def service_arguments(self) -> dict:
        """Units and amount as typed: both, or neither, is the service's refusal to give (it names the field)."""
        quantities = {line.pk: (self.cleaned_data.get(name) or "").strip() for name, line, _ in self.line_fields}
        quantities = {pk: units for pk, units in quantities.items() if units not in ("", "0")}
        amount = (self.cleaned_data.get("amount") or "").strip()
        arguments = {"reason": self.cleaned_data["reason"]}
        if quantities or not amount:
            arguments["quantities"] = quantities
        if amount:
            arguments["amount"] = amount
        return arguments
