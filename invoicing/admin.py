"""Invoicing in the admin: invoices (list, page, actions), payment terms, customer terms, the PDF template.

Thin: forms parse, permissions and `orders.hooks` are asked, one service acts, refusals become messages.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from unfold.admin import ModelAdmin, TabularInline

from oms import navigation
from oms.admin_lists import KeysetListMixin
from orders import hooks
from orders.exceptions import OrderError

from . import admin_finance, admin_sections  # noqa: F401  (admin_finance: reports, the access log list and section)
from .access_log import document_pdf_response
from .defaults import INVOICE_HTML
from .forms import CancelForm, CreditForm, DraftForm, SendForm
from .models import CustomerTerms, DocumentAccess, Invoice, InvoiceDocumentTemplate, PaymentTerms, PaymentTermsPortion
from .paylink import paylink_facts
from .pdf import render_invoice, tax_summary
from .selectors import (
    INVOICE_TABS,
    TABS_BY_SLUG,
    invoice_for_staff,
    invoice_list_for_staff,
    invoice_search,
    invoice_tab_counts,
)
from .services.credits import credited_units, invoice_credit
from .services.drafts import invoice_update_draft
from .services.issue import ISSUE_SELECTION_MAX, invoice_issue, invoices_issue
from .services.lifecycle import invoice_cancel, invoice_send
from .services.payments import invoice_creditable

TONES = {"draft": "neutral", "issued": "info", "sent": "info", "partially_paid": "warning", "paid": "success",
         "cancelled": "danger"}  # fmt: skip
CANCELLABLE = (Invoice.Status.DRAFT, Invoice.Status.ISSUED, Invoice.Status.SENT)
ACTIONS = {  # action: (label, permission, allowed statuses)
    "issue": ("Issue", "invoicing.issue_invoice", (Invoice.Status.DRAFT,)),
    "send": ("Send", "invoicing.send_invoice", Invoice.LIVE),
    "cancel": ("Cancel invoice", "invoicing.cancel_invoice", CANCELLABLE),
    "credit": ("Credit", "invoicing.credit_invoice", Invoice.LIVE),
}  # fmt: skip


def status_badge(invoice: Invoice) -> str:
    badge = format_html('<span class="badge badge-{}">{}</span>', TONES.get(invoice.status, "neutral"),
                        invoice.get_status_display())  # fmt: skip
    if invoice.is_overdue:
        badge += format_html(' <span class="badge badge-danger">{}</span>', "Overdue")
    return badge


class InvoiceTabFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "tab"

    def lookups(self, request, model_admin):
        return [(tab.slug, tab.label) for tab in INVOICE_TABS if tab.slug != "all"]

    def queryset(self, request, queryset):
        tab = TABS_BY_SLUG.get(self.value() or "all")
        return queryset.filter(tab.condition()) if tab else queryset


@admin.register(Invoice)
class InvoiceAdmin(KeysetListMixin, ModelAdmin):
    list_display = ("number_display", "kind", "order_link", "customer_name", "status_display", "issue_date",
                    "due_display", "total_display", "balance_display")  # fmt: skip
    list_filter = (InvoiceTabFilter, "kind")
    search_fields = ("number",)
    search_help_text = "Invoice number (INV-2026-000123, or its start) or order number."
    list_per_page = 50
    list_before_template = "admin/invoicing/invoice/list_tabs.html"
    actions = ("issue_selected",)

    def get_queryset(self, request):
        return invoice_list_for_staff()

    def get_search_results(self, request, queryset, search_term):
        return invoice_search(queryset, search_term), False

    def has_add_permission(self, request):
        return False  # invoices are made from an order (its Invoices tab)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="number", ordering="created_at")
    def number_display(self, obj):
        return obj.display_number

    @admin.display(description="order")
    def order_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:orders_order_change", args=[obj.order_id]),
                           obj.order.number)  # fmt: skip

    @admin.display(description="status")
    def status_display(self, obj):
        return status_badge(obj)

    @admin.display(description="due")
    def due_display(self, obj):
        # An issued invoice is due on its next due date (a schedule's first unpaid instalment), as overdue reads it.
        return (obj.next_due_date if obj.number else obj.due_date) or ""

    @admin.display(description="total")
    def total_display(self, obj):
        sign = "−" if obj.is_credit else ""
        return f"{obj.currency} {sign}{obj.total_gross}"

    @admin.display(description="balance")
    def balance_display(self, obj):
        return "" if obj.is_credit else f"{obj.currency} {obj.balance}"

    @admin.action(description="Issue the selected drafts", permissions=["issue"])
    def issue_selected(self, request, queryset):
        """All the selected drafts get their numbers in one go, or none does (the refusal names the invoice)."""
        drafts = list(
            queryset.filter(status=Invoice.Status.DRAFT).values_list("pk", flat=True)[: ISSUE_SELECTION_MAX + 1]
        )
        skipped = queryset.exclude(status=Invoice.Status.DRAFT).count()
        if skipped:
            messages.warning(request, f"{skipped} selected invoice{'s are' if skipped != 1 else ' is'} not a draft "
                                      "and stayed as it was.")  # fmt: skip
        if not drafts:
            return
        try:
            issued = invoices_issue(invoice_ids=drafts, actor=request.user)
        except OrderError as exc:
            messages.error(request, f"Nothing was issued: {exc.message}")
        else:
            numbers = issued[0].number if len(issued) == 1 else f"{issued[0].number} to {issued[-1].number}"
            messages.success(request, f"Issued {len(issued)} invoice{'s' if len(issued) != 1 else ''}: {numbers}.")

    def has_issue_permission(self, request):
        return request.user.has_perm(ACTIONS["issue"][1])

    def changelist_view(self, request, extra_context=None):
        counts = invoice_tab_counts()
        active = request.GET.get("tab", "all")
        tabs = []
        for tab in INVOICE_TABS:
            params = request.GET.copy()
            params.pop("tab", None)
            params.pop("cursor", None)
            if tab.slug != "all":
                params["tab"] = tab.slug
            tabs.append({"slug": tab.slug, "label": tab.label, "count": counts[tab.slug],
                         "url": f"?{params.urlencode()}", "active": tab.slug == active})  # fmt: skip
        return super().changelist_view(request, {"invoice_list_tabs": tabs, **(extra_context or {})})

    # --- the invoice page and its actions
    def get_urls(self):
        view = self.admin_site.admin_view
        pages = [
            path("<int:pk>/pdf/", view(self.pdf_view), name="invoicing_invoice_pdf"),
            path("<int:pk>/do/<slug:action>/", view(self.action_view), name="invoicing_invoice_action"),
        ]
        urls = super().get_urls()
        return [*pages, *urls]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        invoice = invoice_for_staff(object_id) if str(object_id).isdigit() else None
        if invoice is None:
            raise Http404("No such invoice.")
        if not self.has_view_or_change_permission(request, invoice):
            raise PermissionDenied
        form = None
        if invoice.status == Invoice.Status.DRAFT and self.has_change_permission(request, invoice):
            form = DraftForm(request.POST or None, initial={"terms": invoice.terms_id, "due_date": invoice.due_date,
                                                            "note": invoice.note})  # fmt: skip
        if request.method == "POST":
            return self._save_draft(request, invoice, form)
        return self._page(request, invoice, draft_form=form)

    def _save_draft(self, request, invoice, form):
        """POST to an invoice page: a draft's terms, due date and note. An issued invoice changes nothing."""
        if form is None:
            if invoice.status != Invoice.Status.DRAFT:
                messages.error(request, f"{invoice} is issued and never changes; cancel it and make a new invoice.")
                return redirect(request.path)
            raise PermissionDenied
        if form.is_valid():
            try:
                data = form.cleaned_data
                invoice_update_draft(
                    invoice_id=invoice.pk, actor=request.user, source="admin", terms_id=data["terms"] or "",
                    due_date=data["due_date"], note=data["note"],
                )  # fmt: skip
            except OrderError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"{invoice} was saved.")
                return redirect(request.path)
        return self._page(request, invoice, draft_form=form)

    def _buttons(self, request, invoice) -> list[dict]:
        allowed, _ = hooks.may(request.user, "invoice", invoice.order)
        buttons = []
        for action, (label, permission, statuses) in ACTIONS.items():
            if invoice.status in statuses and request.user.has_perm(permission) and (allowed or action == "send"):
                if action == "credit" and (
                    invoice.is_credit or invoice.amount_paid <= 0 or invoice_creditable(invoice) <= 0
                ):  # nothing paid is left to credit (the rows are read only for a paid debit invoice)
                    continue
                if action == "cancel" and (invoice.amount_paid > 0 or (invoice.is_credit and invoice.number)):
                    continue
                url = reverse("admin:invoicing_invoice_action", args=[invoice.pk, action])
                buttons.append({"action": action, "label": label, "url": url})
        return buttons

    def _page(self, request, invoice, *, draft_form=None, action_form=None, action=None, status=200):
        lines = list(invoice.lines.all())
        sections = [(s.title, mark_safe(s.render(request, invoice))) for s in admin_sections.SECTIONS.values()]  # noqa: S308
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "original": invoice, "invoice": invoice,
            "title": str(invoice), "badge": status_badge(invoice), "lines": lines, "tax_summary": tax_summary(lines),
            "buttons": self._buttons(request, invoice), "draft_form": draft_form, "action_form": action_form,
            "action": action, "sections": sections,
            "schedule": paylink_facts(invoice).instalments if invoice.number else [],
            "pdf_url": reverse("admin:invoicing_invoice_pdf", args=[invoice.pk]),
            "creditable": invoice_creditable(invoice) if action == "credit" else None,
        }  # fmt: skip
        return TemplateResponse(request, "admin/invoicing/invoice/detail.html", context, status=status)

    def pdf_view(self, request, pk):
        """The stored PDF of an issued invoice (the same bytes every time); a draft's preview is rendered."""
        invoice = Invoice.objects.filter(pk=pk).defer("pdf").first()
        if invoice is None:
            raise Http404("No such invoice.")
        if not self.has_view_or_change_permission(request, invoice):
            raise PermissionDenied
        if invoice.number:  # the issued document: its stored bytes, and the access goes into the log
            return document_pdf_response(request, invoice, channel=DocumentAccess.Channel.ADMIN)
        response = HttpResponse(render_invoice(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="draft-{invoice.pk}.pdf"'
        return response

    def action_view(self, request, pk, action):
        if action not in ACTIONS:
            raise Http404("No such action.")
        invoice = invoice_for_staff(pk)
        if invoice is None:
            raise Http404("No such invoice.")
        label, permission, _ = ACTIONS[action]
        if not request.user.has_perm(permission):
            raise PermissionDenied
        if action == "issue":
            return self._post_only(request, invoice, lambda: invoice_issue(invoice_id=invoice.pk, actor=request.user),
                                   "was issued")  # fmt: skip
        form_class = {"send": SendForm, "cancel": CancelForm, "credit": CreditForm}[action]
        kwargs = {"lines": invoice.lines.all(), "credited": credited_units(invoice)} if action == "credit" else {}
        form = form_class(request.POST or None, **kwargs)
        if request.method == "POST" and form.is_valid():
            done = self._act(request, invoice, action, form)
            if done is not None:
                return done
        return self._page(request, invoice, action_form=form, action=action)

    def _post_only(self, request, invoice, call, what: str):
        if request.method != "POST":
            return redirect("admin:invoicing_invoice_change", invoice.pk)
        try:
            result = call()
        except OrderError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{result} {what}.")
        return redirect("admin:invoicing_invoice_change", invoice.pk)

    def _act(self, request, invoice, action, form):
        data, user = form.cleaned_data, request.user
        try:
            if action == "send":
                invoice_send(invoice_id=invoice.pk, actor=user, note=data["note"])
                messages.success(request, f"{invoice} was sent to {invoice.customer_email}.")
            elif action == "cancel":
                invoice_cancel(invoice_id=invoice.pk, actor=user, reason=data["reason"])
                messages.success(request, f"{invoice} was cancelled.")
            else:
                credit = invoice_credit(invoice_id=invoice.pk, actor=user, **form.service_arguments())
                messages.success(request, f"{credit} was issued.")
                return redirect("admin:invoicing_invoice_change", credit.pk)
        except OrderError as exc:
            field = exc.details.get("field") if isinstance(exc.details, dict) else None
            if field in form.fields:
                form.add_error(field, exc.message)
            else:
                messages.error(request, exc.message)
            return None
        return redirect("admin:invoicing_invoice_change", invoice.pk)


class PortionInline(TabularInline):
    model = PaymentTermsPortion
    extra = 0
    fields = ("position", "percent", "days")


class PaymentTermsForm(forms.ModelForm):
    class Meta:
        model = PaymentTerms
        fields = ("code", "name", "kind", "days", "fixed_due_date", "discount_percent", "discount_days", "active")

    def clean(self):
        data = super().clean()
        if data.get("kind") == PaymentTerms.Kind.FIXED_DATE and not data.get("fixed_due_date"):
            self.add_error("fixed_due_date", "Fixed due date: give the date the invoices are due.")
        if (data.get("discount_percent") or 0) > 0 and not data.get("discount_days"):
            self.add_error("discount_days", "Discount days: say within how many days the discount applies.")
        return data


@admin.register(PaymentTerms)
class PaymentTermsAdmin(ModelAdmin):
    form = PaymentTermsForm
    inlines = (PortionInline,)
    list_display = ("name", "code", "kind", "days", "discount_percent", "active")
    list_filter = ("kind", "active")

    def has_delete_permission(self, request, obj=None):
        return False  # terms stay on the invoices that used them: make them inactive instead

    def save_related(self, request, form, formsets, change):
        """A schedule's portions must add up to 100 %."""
        super().save_related(request, form, formsets, change)
        terms = form.instance
        if terms.kind == PaymentTerms.Kind.SCHEDULE:
            total = sum(terms.portions.values_list("percent", flat=True))
            if total != 100:
                messages.warning(request, f"The portions of {terms} add up to {total} %, not 100 %: the last "
                                          "instalment takes the difference only if you correct them.")  # fmt: skip


@admin.register(CustomerTerms)
class CustomerTermsAdmin(ModelAdmin):
    list_display = ("customer", "terms")
    autocomplete_fields = ("customer",)
    list_select_related = ("customer", "terms")


class DocumentTemplateForm(forms.ModelForm):
    class Meta:
        model = InvoiceDocumentTemplate
        fields = ("body_html",)
        widgets = {"body_html": forms.Textarea(attrs={"rows": 30, "class": "mono", "style": "width:100%"})}


@admin.register(InvoiceDocumentTemplate)
class InvoiceDocumentTemplateAdmin(ModelAdmin):
    form = DocumentTemplateForm
    list_display = ("__str__", "updated_at")
    change_form_template = "admin/invoicing/invoicedocumenttemplate/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # "Reset to default" before the form: it must work even when the stored text no longer compiles.
        if request.method == "POST" and "_reset" in request.POST and object_id:
            template = self.get_object(request, object_id)
            if template is None or not self.has_change_permission(request, template):
                raise PermissionDenied
            template.body_html = INVOICE_HTML
            template.save()
            self.message_user(request, "The invoice template is the default again.", messages.SUCCESS)
            return HttpResponseRedirect(request.path)
        return super().changeform_view(request, object_id, form_url, extra_context)


navigation.entry("Invoicing", "Invoices", icon="receipt_long", model="invoicing.Invoice", position=10)
navigation.entry("Invoicing", "Payment terms", icon="event", model="invoicing.PaymentTerms", position=40)
navigation.entry("Invoicing", "Customer terms", icon="handshake", model="invoicing.CustomerTerms", position=50)
navigation.entry("Invoicing", "Invoice template", icon="description", model="invoicing.InvoiceDocumentTemplate",
                 position=60)  # fmt: skip
