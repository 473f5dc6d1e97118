"""Admin for the outbox: templates (validated, previewed), messages and webhook deliveries with resend."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from unfold.admin import ModelAdmin, TabularInline

from oms import navigation
from oms.admin_lists import SelectionGuardMixin

from .models import (
    WEBHOOK_EVENT_TYPES,
    EmailTemplate,
    Message,
    MessageAttempt,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from .previews import preview_context
from .services import email_resend, webhook_resend
from .services.rendering import render_parts


class ReadOnlyMixin:
    """Outbox rows are written by services only; the admin reads them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EmailTemplate)
class EmailTemplateAdmin(ModelAdmin):
    list_display = ("kind", "subject", "updated_at")
    fields = ("kind", "subject", "body_text", "body_html")
    readonly_fields = ("kind",)
    change_form_template = "admin/notifications/emailtemplate/change_form.html"

    def has_add_permission(self, request):
        return False  # one template per kind, created by the data migration

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [path("<int:pk>/preview/", preview, name="notifications_emailtemplate_preview"), *super().get_urls()]

    def preview_view(self, request, pk: int):
        """Render the stored template with a real order's context (?order=<number>)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        template = get_object_or_404(EmailTemplate, pk=pk)
        reference = request.GET.get("order", "").strip()
        context = preview_context("order", reference)
        rendered = None
        if context is None:
            messages.warning(request, f"No order {reference!r} found." if reference else "Enter an order number.")
        else:
            context = {**context, "subject": "Subject written by staff", "message": "Message written by staff."}
            rendered = render_parts(
                subject=template.subject, body_text=template.body_text, body_html=template.body_html, context=context
            )
        return TemplateResponse(
            request,
            "admin/notifications/emailtemplate/preview.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "template_obj": template,
                "reference": reference,
                "rendered": rendered,
                "title": f"Preview: {template}",
            },
        )


class MessageAttemptInline(ReadOnlyMixin, TabularInline):
    model = MessageAttempt
    fields = ("started_at", "handed_over_at", "finished_at", "outcome", "error")
    readonly_fields = fields
    extra = 0


@admin.register(Message)
class MessageAdmin(SelectionGuardMixin, ReadOnlyMixin, ModelAdmin):
    list_display = ("created_at", "kind", "to", "subject", "status", "tries", "topic", "topic_id")
    list_filter = ("status", "kind", "topic")
    search_fields = ("to", "subject", "=topic_id")
    readonly_fields = [f.name for f in Message._meta.fields]
    inlines = [MessageAttemptInline]
    actions = ["resend_selected"]
    list_select_related = ()

    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("notifications.resend_message")

    @admin.action(description="Resend selected failed e-mails", permissions=["resend"])
    def resend_selected(self, request, queryset):
        ids = list(queryset.filter(status=Message.Status.FAILED).values_list("pk", flat=True))
        for message_id in ids:
            email_resend(message_id=message_id, actor=request.user)
        self.message_user(request, f"{len(ids)} e-mail(s) queued again; others were not failed.", messages.SUCCESS)


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        choices=[(t, t) for t in WEBHOOK_EVENT_TYPES], widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("name", "url", "secret", "event_types", "active")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("name", "url", "active", "created_at")
    list_filter = ("active",)

    def has_delete_permission(self, request, obj=None):
        return False  # the delivery log refers to it; deactivate instead


class WebhookAttemptInline(ReadOnlyMixin, TabularInline):
    model = WebhookAttempt
    fields = ("started_at", "finished_at", "outcome", "status_code", "error")
    readonly_fields = fields
    extra = 0


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(SelectionGuardMixin, ReadOnlyMixin, ModelAdmin):
    list_display = ("created_at", "event_type", "endpoint", "status", "tries", "topic", "topic_id", "event_id")
    list_filter = ("status", "endpoint", "event_type")
    search_fields = ("=event_id", "=topic_id")
    list_select_related = ("endpoint",)
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    inlines = [WebhookAttemptInline]
    actions = ["resend_selected"]

    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("notifications.resend_webhookdelivery")

    @admin.action(description="Resend selected failed deliveries", permissions=["resend"])
    def resend_selected(self, request, queryset):
        ids = list(queryset.filter(status=WebhookDelivery.Status.FAILED).values_list("pk", flat=True))
        for delivery_id in ids:
            webhook_resend(delivery_id=delivery_id, actor=request.user)
        self.message_user(request, f"{len(ids)} deliveries queued again; others were not failed.", messages.SUCCESS)


navigation.entry("Messages", "E-mails", icon="outgoing_mail", model="notifications.Message", position=10)
navigation.entry("Messages", "E-mail templates", icon="edit_note", model="notifications.EmailTemplate", position=20)
navigation.entry("Messages", "Webhook deliveries", icon="webhook", model="notifications.WebhookDelivery", position=30)
navigation.entry("Messages", "Webhook endpoints", icon="cable", model="notifications.WebhookEndpoint", position=40)
