"""Extension point for the demo data (`seed_demo`): the app above orders that ships units makes that part.

`orders` may not import the fulfilment app, yet a demo order "shipped" must ship through its shipments (the
only way a unit leaves stock). The fulfilment app registers, from its `AppConfig.ready()`:

- `ship(order, quantities, style)`: ship these units (line id -> units) of the order; `style` asks for a
  variation the demo should show: "ship", "deliver" (then delivered), "lost" (shipped, cancelled with a
  reason, shipped again), "partial" (ship these units; the rest waits in a second, pending shipment);
- `backdate(order, offset)`: move that app's timestamps of the order back by `offset`, as seed_demo does
  with the order's own.

Without a registration the demo ships through `orders.services.shipping` directly.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class DemoFulfilment:
    ship: Callable[..., None]
    backdate: Callable[..., None]


_registered: list[DemoFulfilment] = []


def register_fulfilment(fulfilment: DemoFulfilment) -> None:
    _registered[:] = [fulfilment]


def fulfilment() -> DemoFulfilment | None:
    return _registered[0] if _registered else None


def backdate(order, offset: timedelta) -> None:
    if _registered:
        _registered[0].backdate(order, offset)


# Steps of the apps above orders that add their own demo rows after the orders are made (invoices, ...):
# registered from their AppConfig.ready() as `register_step("invoicing", seed_invoices)`, where the step is
# `step(stdout) -> rows made`, goes through the app's services and adds nothing when run again.
STEPS: dict[str, Callable] = {}


def register_step(name: str, step: Callable) -> None:
    STEPS[name] = step


def run_steps(stdout) -> dict[str, int]:
    """Run every registered step in registration order; returns what each made."""
    return {name: step(stdout) for name, step in STEPS.items()}
