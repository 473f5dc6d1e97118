"""The context every order page needs (tab bar, breadcrumbs, admin chrome); pages add their own data."""

from django.template.response import TemplateResponse

from . import tabs


def render_order_page(request, order, model_admin, *, slug: str, title: str, template: str, context=None):
    page_context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"{order} · {title}",
        "order": order,
        "order_tabs": tabs(),
        "active_tab": slug,
        "page_title": title,
        **(context or {}),
    }
    return TemplateResponse(request, template, page_context)
