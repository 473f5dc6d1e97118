"""Extension point for the template preview: higher apps supply real context for a reference.

`orders` registers "order": reference = an order number; the provider returns that order's e-mail
context. notifications never imports orders, so the provider is the only way it sees an order.
"""

from collections.abc import Callable

PreviewProvider = Callable[[str], dict | None]  # reference -> context, or None when not found

PROVIDERS: dict[str, PreviewProvider] = {}


def register_preview_provider(name: str, provider: PreviewProvider) -> None:
    PROVIDERS[name] = provider


def preview_context(name: str, reference: str) -> dict | None:
    provider = PROVIDERS.get(name)
    return provider(reference) if provider else None
