from django import forms

from oms.bounds import STOCK_CHANGE_MAX, StrictIntegerField, text_validators_add

from .models import Product, StockLocation


class StockChangeForm(forms.Form):
    """Receiving or adjusting stock at one location; the service decides whether the change is allowed."""

    product = forms.ModelChoiceField(queryset=Product.objects.filter(active=True))
    location = forms.ModelChoiceField(queryset=StockLocation.objects.filter(active=True))
    quantity = StrictIntegerField(min_value=-STOCK_CHANGE_MAX, max_value=STOCK_CHANGE_MAX)
    reason = forms.CharField(max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        text_validators_add(self)


class StockReceiveForm(StockChangeForm):
    quantity = StrictIntegerField(min_value=1, max_value=STOCK_CHANGE_MAX, help_text="Units received.")
    reference = forms.CharField(max_length=64, required=False, help_text="e.g. a delivery note number")


class StockAdjustForm(StockChangeForm):
    quantity = StrictIntegerField(
        min_value=-STOCK_CHANGE_MAX,
        max_value=STOCK_CHANGE_MAX,
        help_text="Positive adds to on hand, negative takes away (e.g. -2 for breakage).",
    )
