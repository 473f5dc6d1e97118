"""Pages of one order in the admin: the detail tabs and action pages such as Edit and Split.

Each module in this package registers its pages with `register`; OrderAdmin serves every registered
page at /admin/orders/order/<pk>/<slug>/ after checking `permission`, and lists the tabs in the tab bar.
Adding a tab is adding a module here (apps above `orders` add theirs the same way from their own
package through `register`, never by editing OrderAdmin).
"""

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class OrderPage:
    slug: str  # URL part: /admin/orders/order/<pk>/<slug>/
    label: str
    view: Callable  # view(request, order, model_admin) -> HttpResponse
    permission: str = "orders.view_order"
    tab: bool = True  # False: an action page (Edit, Split) reached from a button, not the tab bar
    position: int = 100
    # For action pages: whether the order allows the action now (the page itself still refuses with the
    # reason); its button is shown only then.
    available: Callable | None = None


PAGES: dict[str, OrderPage] = {}


def register(page: OrderPage) -> OrderPage:
    PAGES[page.slug] = page
    return page


def tabs() -> list[OrderPage]:
    return sorted((p for p in PAGES.values() if p.tab), key=lambda p: (p.position, p.label))


def autodiscover() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
