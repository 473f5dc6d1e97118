"""The context every order page needs (header, tab bar, admin chrome); pages add their own data."""

from django.template.response import TemplateResponse

from . import tabs
from .header import order_badges


def order_chrome(request, order) -> dict:
    """What the shared header and tab bar show: badges, the buttons this user may use now, the tabs."""
    from .general import order_object_tools  # general's buttons list the action pages, which render through here

    return {
        "order": order,
        "order_tabs": tabs(),
        "order_badges": order_badges(order),
        "order_tools": order_object_tools(request, order),
    }


def render_order_page(request, order, model_admin, *, slug: str, title: str, template: str, context=None):
    page_context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": order,  # unfold's header builds the breadcrumbs (Orders › Orders › Order 10042) from it
        "title": f"{order} · {title}",
        **order_chrome(request, order),
        "active_tab": slug,
        "page_title": title,
        **(context or {}),
    }
    return TemplateResponse(request, template, page_context)
