"""Pages of one order in the admin: the detail tabs and action pages such as Edit and Split.

Each module in this package registers its pages with `register`; OrderAdmin serves every registered
page at /admin/orders/order/<pk>/<slug>/ after checking `permission`, and lists the tabs in the tab bar.
Adding a tab is adding a module here (apps above `orders` add theirs the same way from their own
package through `register`, never by editing OrderAdmin).

One page per slug: registering a slug that is taken raises, unless the new page says it replaces a
placeholder (`replaces_placeholder=True`) and the page there is one (`placeholder=True`, the tabs in
`placeholders.py` that say "nothing yet"). A placeholder registered after its real page is ignored.

An action page names its `operation` (see `orders.hooks.OPERATIONS`): its button shows only when
`orders.hooks.may(user, operation, order)` allows it, and the page refuses with the same sentence.
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
    # For action pages: the operation it performs; its button shows only when `hooks.may` allows it.
    operation: str | None = None
    placeholder: bool = False  # a "nothing yet" tab that the app bringing the feature replaces
    replaces_placeholder: bool = False


PAGES: dict[str, OrderPage] = {}


def register(page: OrderPage) -> OrderPage:
    """Add a page; a taken slug raises ValueError unless a real page replaces a placeholder."""
    existing = PAGES.get(page.slug)
    if existing is not None:
        if page.placeholder and not existing.placeholder:
            return existing  # the feature is already there: its placeholder is not needed
        if not (page.replaces_placeholder and existing.placeholder):
            raise ValueError(
                f"An order page with slug {page.slug!r} is already registered ({existing.label}); "
                "only a page with replaces_placeholder=True may replace a placeholder."
            )
    PAGES[page.slug] = page
    return page


def tabs() -> list[OrderPage]:
    return sorted((p for p in PAGES.values() if p.tab), key=lambda p: (p.position, p.label))


def autodiscover() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
