"""`{% lean_result_list cl %}`: unfold's `{% unfold_result_list cl %}` with rows rendered by oms.admin_rows.

The headers and hidden fields are unfold's own; only the rows are built once per column instead of once
per cell. Where `lean_rows` declines (editable columns, sortable rows, popups...), unfold renders the list.
"""

from django import template
from django.contrib.admin.templatetags.admin_list import result_hidden_fields
from unfold.templatetags.unfold_list import result_headers, result_list

from oms.admin_rows import lean_rows

register = template.Library()


@register.inclusion_tag("admin/lean_change_list_results.html", takes_context=True)
def lean_result_list(context, cl):
    headers = list(result_headers(cl))
    rows = lean_rows(cl, headers)
    if rows is None:
        return {**result_list(context, cl), "lean": False}
    return {
        "cl": cl,
        "lean": True,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for header in headers if header["sortable"] and header["sorted"]),
        "results": rows,
        "actions_row": context.get("actions_row"),
        "has_add_permission": cl.model_admin.has_add_permission(context["request"]),
    }
