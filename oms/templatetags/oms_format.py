"""Small display filters shared by the admin, the storefront and the PDFs."""

from django import template
from django_countries import countries

register = template.Library()


@register.filter
def country_name(code) -> str:
    """'NL' -> 'Netherlands'; an unknown or empty code is shown as stored (never a blank where data was)."""
    code = str(code or "").strip()
    return countries.name(code.upper()) or code if code else ""
