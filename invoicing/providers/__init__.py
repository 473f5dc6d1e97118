"""The registry of payment providers, keyed by code and filled from settings.

    settings.OMS_PAYMENT_PROVIDERS = ["invoicing.providers.local.LocalProvider", "shop.payments.StripeProvider"]
    settings.OMS_PAYMENT_PROVIDER = "local"                    # the one the pay link uses
    settings.OMS_PAYMENT_PROVIDER_OPTIONS = {"stripe": {...}}  # read from the environment in settings

Adding a real provider is one subclass of `PaymentProvider` and one entry in those settings.
"""

from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .base import (
    CallbackRejected,
    CallbackResult,
    PaymentProvider,
    PaymentRequest,
    PaymentStart,
    ProviderError,
    ProviderTimeout,
    RefundResult,
)

__all__ = [
    "CallbackRejected",
    "CallbackResult",
    "PaymentProvider",
    "PaymentRequest",
    "PaymentStart",
    "ProviderError",
    "ProviderTimeout",
    "RefundResult",
    "provider_default",
    "provider_get",
    "providers",
]


@cache
def _registry(paths: tuple[str, ...]) -> dict[str, PaymentProvider]:
    options = getattr(settings, "OMS_PAYMENT_PROVIDER_OPTIONS", {}) or {}
    registry: dict[str, PaymentProvider] = {}
    for path in paths:
        cls = import_string(path)
        if not (isinstance(cls, type) and issubclass(cls, PaymentProvider)) or not cls.code:
            raise ImproperlyConfigured(f"{path} is not a PaymentProvider with a code.")
        if cls.code in registry:
            raise ImproperlyConfigured(f"Two payment providers use the code {cls.code!r}.")
        registry[cls.code] = cls(options.get(cls.code, {}))
    return registry


def providers() -> dict[str, PaymentProvider]:
    """Every configured provider by code (built once per settings value)."""
    return _registry(tuple(settings.OMS_PAYMENT_PROVIDERS))


def provider_get(code: str) -> PaymentProvider | None:
    return providers().get(code)


def provider_default() -> PaymentProvider:
    provider = provider_get(settings.OMS_PAYMENT_PROVIDER)
    if provider is None:
        raise ImproperlyConfigured(f"OMS_PAYMENT_PROVIDER={settings.OMS_PAYMENT_PROVIDER!r} is not configured.")
    return provider
