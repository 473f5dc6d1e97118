"""Extension point for apps above `orders`: guards that may refuse an edit or a split, hooks that act on one.

`orders` must not import `invoicing` (the layers point one way), yet an edit must be refused while an
invoice was sent and must void a draft invoice. So the higher app registers functions here, in its
`AppConfig.ready()`:

    from orders import hooks

    class InvoicingConfig(AppConfig):
        def ready(self):
            hooks.register_guard("edit", invoice_sent_guard)      # (order) -> reason or None
            hooks.register_hook("edit", draft_invoice_void_hook)  # (order, actor) -> None

Guards run under the order lock before anything changes; the first reason returned refuses the
operation (OrderNotEditable / OrderNotSplittable with that reason). Hooks run after the change, in the
same transaction, so a hook that raises rolls the whole operation back. Both must only read or write
their own app's rows (through that app's services).
"""

from collections.abc import Callable

OPERATIONS = ("edit", "split")

Guard = Callable[..., str | None]
Hook = Callable[..., None]

_guards: dict[str, list[Guard]] = {operation: [] for operation in OPERATIONS}
_hooks: dict[str, list[Hook]] = {operation: [] for operation in OPERATIONS}


def _check(operation: str) -> None:
    if operation not in OPERATIONS:
        raise ValueError(f"Unknown operation {operation!r}; choose one of {OPERATIONS}.")


def register_guard(operation: str, guard: Guard) -> Guard:
    """`guard(order)` returns a reason to refuse, or None. Registering twice is a no-op."""
    _check(operation)
    if guard not in _guards[operation]:
        _guards[operation].append(guard)
    return guard


def register_hook(operation: str, hook: Hook) -> Hook:
    """`hook(order, actor)` runs after a committed change, inside its transaction."""
    _check(operation)
    if hook not in _hooks[operation]:
        _hooks[operation].append(hook)
    return hook


def unregister(operation: str, func: Callable) -> None:
    """For tests that register a temporary guard or hook."""
    for registry in (_guards, _hooks):
        if func in registry[operation]:
            registry[operation].remove(func)


def refusal_for(operation: str, order) -> str | None:
    for guard in _guards[operation]:
        reason = guard(order)
        if reason:
            return reason
    return None


def run_hooks(operation: str, order, actor=None) -> None:
    for hook in _hooks[operation]:
        hook(order, actor)
