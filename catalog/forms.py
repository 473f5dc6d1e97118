from django import forms

from .models import Product, StockLocation


class StockChangeForm(forms.Form):
    """Receiving or adjusting stock at one location; the service decides whether the change is allowed."""

    product = forms.ModelChoiceField(queryset=Product.objects.filter(active=True))
    location = forms.ModelChoiceField(queryset=StockLocation.objects.filter(active=True))
    quantity = forms.IntegerField()
    reason = forms.CharField(max_length=200)


class StockReceiveForm(StockChangeForm):
    quantity = forms.IntegerField(min_value=1, help_text="Units received.")
    reference = forms.CharField(max_length=64, required=False, help_text="e.g. a delivery note number")


class StockAdjustForm(StockChangeForm):
    quantity = forms.IntegerField(help_text="Positive adds to on hand, negative takes away (e.g. -2 for breakage).")
