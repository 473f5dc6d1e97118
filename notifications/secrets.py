"""Secrets an e-mail carries that staff must never read in the outbox (a password-reset link).

The business transaction stores the message's context with the secret masked (`MASK`). At delivery the
worker asks the provider registered for the message's kind for the real values, renders the text it sends
with them, and stores only the rendering of the masked context. Every attempt (a retry, a resend) asks the
provider again: nothing secret is ever written to the outbox row, its attempt log or the admin pages.
Providers are registered by the app that owns the secret, in its AppConfig.ready() (the storefront: the
password-reset link); a provider that raises fails the message visibly, like a broken template.
"""

from collections.abc import Callable

MASK = "hidden"  # what the stored context holds in place of a secret (e.g. the token in a reset link)

SecretProvider = Callable[["Message"], dict]  # noqa: F821 - the message being delivered -> context values
_providers: dict[str, SecretProvider] = {}


def secret_provider_register(kind: str, provider: SecretProvider) -> None:
    """Give messages of `kind` their secret context values at delivery. Registering a kind twice raises."""
    if kind in _providers and _providers[kind] is not provider:
        raise ValueError(f"A secret provider for {kind!r} is already registered.")
    _providers[kind] = provider


def secret_provider(kind: str) -> SecretProvider | None:
    return _providers.get(kind)
