"""Forms of the shipment admin: they parse and bound what staff type; the services decide."""

from django import forms

from orders.forms import TextCheckedForm

from .models import MAX_PACKAGES, Shipment


def _max(name: str) -> int:
    return Shipment._meta.get_field(name).max_length


class ShipForm(TextCheckedForm):
    carrier = forms.CharField(max_length=_max("carrier"), required=False, help_text="PostNL, DHL, UPS, …")
    tracking_code = forms.CharField(max_length=_max("tracking_code"), required=False)
    tracking_url = forms.CharField(
        label="Tracking URL", max_length=_max("tracking_url"), required=False,
        help_text="The carrier's page for this parcel (http:// or https://); the customer gets this link.",
    )  # fmt: skip
    packages = forms.IntegerField(min_value=1, max_value=MAX_PACKAGES)


class PackagesForm(forms.Form):
    packages = forms.IntegerField(min_value=1, max_value=MAX_PACKAGES)


class ShipmentCancelForm(TextCheckedForm):
    reason = forms.CharField(
        max_length=_max("cancel_reason"), required=False, widget=forms.TextInput(attrs={"size": 60}),
        help_text="Required for a shipped shipment: why its units come back (lost in transit, refused, …).",
    )  # fmt: skip
