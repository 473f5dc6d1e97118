"""The admin sidebar, grouped by the work. Groups are fixed here; each app's admin adds its own entries.

    from oms import navigation
    navigation.entry("Fulfilment", "Pick lists", icon="checklist", model="fulfillment.PickList")

An entry is shown when the user may open it: a model entry asks its ModelAdmin (view or change permission,
so a ModelAdmin that limits itself to superusers hides its entry), a URL entry checks `permission`.
A group with no entry the user may open is left out, so a role sees only the groups of its work, and a
group whose app has registered nothing yet (Fulfilment, Invoicing, Returns and refunds today) does not show.
unfold calls `sidebar(request)` on every admin page (settings.UNFOLD["SIDEBAR"]["navigation"]).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.urls import NoReverseMatch, reverse

GROUPS: tuple[tuple[str, str], ...] = (
    ("Orders", "shopping_cart"),
    ("Fulfilment", "local_shipping"),
    ("Invoicing", "receipt_long"),
    ("Returns and refunds", "assignment_return"),
    ("Catalogue and stock", "inventory_2"),
    ("Customers", "groups"),
    ("Reports", "monitoring"),
    ("Messages", "mail"),
    ("Settings", "settings"),
)
GROUP_NAMES = {name for name, _ in GROUPS}


@dataclass(frozen=True)
class Entry:
    group: str
    title: str
    icon: str
    model: str = ""  # "app_label.ModelName": links to its changelist, shown per its ModelAdmin's permissions
    url_name: str = ""  # or an admin URL name with a permission ("app_label.codename", or a callable(request))
    permission: str | Callable | None = None
    position: int = 100


_ENTRIES: dict[tuple[str, str], Entry] = {}
# Where a role starts: the admin home sends a member of the group (not a superuser) to this admin URL.
_LANDINGS: dict[str, str] = {}


def entry(group: str, title: str, *, icon: str, model: str = "", url_name: str = "", permission=None, position=100):
    """Register a sidebar entry (idempotent: registering the same group and title again replaces it)."""
    if group not in GROUP_NAMES:
        raise ValueError(f"Unknown sidebar group {group!r}; the groups are {sorted(GROUP_NAMES)}.")
    if bool(model) == bool(url_name):
        raise ValueError("A sidebar entry links either to a model or to a URL name.")
    _ENTRIES[(group, title)] = Entry(group, title, icon, model, url_name, permission, position)


def landing(group_name: str, url_name: str) -> None:
    """Send members of the staff group (a role) from the admin home to `url_name`, e.g. the work queue."""
    _LANDINGS[group_name] = url_name


def landing_url(request) -> str | None:
    """The page this user starts on instead of the admin home, or None (superusers always get the home)."""
    user = request.user
    if not _LANDINGS or user.is_superuser or not user.is_authenticated:
        return None
    for name in user.groups.order_by("name").values_list("name", flat=True):
        if name in _LANDINGS:
            try:
                return reverse(_LANDINGS[name])
            except NoReverseMatch:
                return None
    return None


def _model_admin(site, label: str):
    try:
        return site._registry.get(apps.get_model(label))
    except LookupError:
        return None


def _link_and_permission(site, item: Entry, request) -> tuple[str, bool]:
    if item.model:
        model_admin = _model_admin(site, item.model)
        if model_admin is None:
            return "", False
        opts = model_admin.opts
        url = reverse(f"{site.name}:{opts.app_label}_{opts.model_name}_changelist")
        return url, model_admin.has_view_or_change_permission(request)
    try:
        url = reverse(item.url_name)
    except NoReverseMatch:
        return "", False
    if callable(item.permission):
        return url, bool(item.permission(request))
    return url, item.permission is None or request.user.has_perm(item.permission)


def sidebar(request) -> list[dict]:
    """unfold's SIDEBAR navigation for this request: only the groups and entries this user may open."""
    from django.contrib import admin

    groups = []
    for name, _icon in GROUPS:
        items = []
        for item in sorted((e for e in _ENTRIES.values() if e.group == name), key=lambda e: (e.position, e.title)):
            link, allowed = _link_and_permission(admin.site, item, request)
            if allowed:
                items.append({"title": item.title, "icon": item.icon, "link": link})
        if items:
            groups.append({"title": name, "separator": bool(groups), "collapsible": False, "items": items})
    return groups
