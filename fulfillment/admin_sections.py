"""Sections of the shipment page and extra tabs of the shipment list: how fulfilment's features add their UI.

The shipment change page (`fulfillment.admin.ShipmentAdmin`) shows its header, lines and tracking, then
every registered section in `position` order. A feature (holds, warehouse hand-off, pick lines, packing
slip) adds its part from its own module, registered in `FulfillmentConfig.ready()`, never by editing the
page:

    from fulfillment.admin_sections import ShipmentSection, register_section

    register_section(ShipmentSection(
        "holds", "Holds", position=20, template="admin/fulfillment/shipment/section_holds.html",
        context=lambda request, shipment: {"holds": shipment.holds.all()},
        permission="fulfillment.view_shipmenthold",
        post=holds_post,  # optional: handles a POST to the section's URL
    ))

A section's template is rendered with `shipment`, `section`, `section_url` (where its forms post) and what
its `context(request, shipment)` returns. A section is shown only to users with its `permission` (None:
everyone who may view the shipment). Its `post(request, shipment)` receives the forms posted to
`section_url` (after the same permission check); it calls the services and returns an HttpResponse, or
None to go back to the shipment page. Messages go through `django.contrib.messages`.

The shipment list's tabs work the same way: `register_list_tab(ShipmentListTab(slug, label, position,
condition))` with a `Q` on Shipment; each tab's count is one capped subquery (`oms.admin_lists`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe


@dataclass(frozen=True)
class ShipmentSection:
    slug: str
    title: str
    position: int
    template: str
    context: Callable[[Any, Any], dict] | None = None  # context(request, shipment) -> dict
    permission: str | None = None  # "app_label.codename" needed to see (and post to) the section
    post: Callable[[Any, Any], Any] | None = None  # post(request, shipment) -> HttpResponse | None


@dataclass(frozen=True)
class ShipmentListTab:
    slug: str
    label: str
    position: int
    condition: Q


SECTIONS: dict[str, ShipmentSection] = {}
LIST_TABS: dict[str, ShipmentListTab] = {}


def register_section(section: ShipmentSection) -> ShipmentSection:
    """Add a section to the shipment page; a slug registered twice raises ValueError."""
    if section.slug in SECTIONS:
        raise ValueError(f"A shipment section with slug {section.slug!r} is already registered.")
    SECTIONS[section.slug] = section
    return section


def register_list_tab(tab: ShipmentListTab) -> ShipmentListTab:
    """Add a tab above the shipment list; a slug registered twice raises ValueError."""
    if tab.slug in LIST_TABS:
        raise ValueError(f"A shipment list tab with slug {tab.slug!r} is already registered.")
    LIST_TABS[tab.slug] = tab
    return tab


def list_tabs() -> list[ShipmentListTab]:
    return sorted(LIST_TABS.values(), key=lambda tab: (tab.position, tab.label))


def may_see(user, section: ShipmentSection) -> bool:
    return section.permission is None or user.has_perm(section.permission)


def sections_for(request, shipment) -> list[ShipmentSection]:
    """The sections this user may see, in page order."""
    ordered = sorted(SECTIONS.values(), key=lambda s: (s.position, s.title))
    return [section for section in ordered if may_see(request.user, section)]


def render_sections(request, shipment) -> list[dict]:
    """Each visible section as {slug, title, html}, its template rendered with its own context."""
    rendered = []
    for section in sections_for(request, shipment):
        context = {
            "shipment": shipment,
            "section": section,
            "section_url": reverse("admin:fulfillment_shipment_section", args=(shipment.pk, section.slug)),
            **(section.context(request, shipment) if section.context else {}),
        }
        html = render_to_string(section.template, context, request=request)
        rendered.append({"slug": section.slug, "title": section.title, "html": mark_safe(html)})  # noqa: S308
    return rendered
