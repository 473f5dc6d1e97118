import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from notifications.defaults import DEFAULTS
from notifications.models import EmailKind, EmailTemplate
from notifications.services import email_render

pytestmark = pytest.mark.django_db


def test_every_kind_has_a_default_template_from_the_data_migration():
    assert set(EmailTemplate.objects.values_list("kind", flat=True)) == set(EmailKind.values)


def test_a_template_with_a_syntax_error_is_refused_with_the_error_shown(client, superuser):
    # given
    template = EmailTemplate.objects.get(kind="order_placed")
    client.force_login(superuser)
    url = reverse("admin:notifications_emailtemplate_change", args=[template.pk])
    # when
    response = client.post(
        url, {"subject": "Order {% if %}", "body_text": "Hi {{ customer_name|nosuchfilter }}", "body_html": ""}
    )
    # then
    assert response.status_code == 200  # the form again, not a redirect
    errors = response.context["adminform"].form.errors
    assert "Template syntax error" in errors["subject"][0]
    assert "Template syntax error" in errors["body_text"][0]
    assert b"Template syntax error" in response.content
    template.refresh_from_db()
    assert template.subject == DEFAULTS["order_placed"]["subject"]


def test_saving_a_broken_template_outside_the_admin_is_refused_too():
    template = EmailTemplate.objects.get(kind="order_placed")
    template.body_html = "{% for x in %}"
    with pytest.raises(ValidationError):
        template.save()
    assert EmailTemplate.objects.get(pk=template.pk).body_html == DEFAULTS["order_placed"]["body_html"]


def test_a_template_cannot_load_tag_libraries():
    template = EmailTemplate.objects.get(kind="free_text")
    template.body_text = "{% load humanize %}{{ 1000|intcomma }}"
    with pytest.raises(ValidationError):
        template.full_clean()


def test_templates_see_plain_data_only_and_html_is_escaped():
    # given
    context = {"customer_name": "<b>Ann</b>", "subject": "Hi", "message": "a\nb", "order_number": "1"}
    # when
    subject, text, html = email_render(kind="free_text", context=context)
    # then
    assert subject == "Hi"
    assert "Dear <b>Ann</b>," in text  # plain text is not escaped
    assert "&lt;b&gt;Ann&lt;/b&gt;" in html
    assert "a<br>b" in html


def test_a_missing_template_falls_back_to_the_default_text():
    EmailTemplate.objects.filter(kind="shipment_sent").delete()
    subject, _, _ = email_render(kind="shipment_sent", context={"order_number": "10001"})
    assert subject == "Order 10001 is on its way"


def test_the_preview_renders_a_template_with_a_real_order(client, superuser, stocked_product, place_order):
    # given
    import orders.admin_pages.emails  # noqa: F401  (registers the order preview provider, as admin autodiscovery does)

    order = place_order([(stocked_product, 3)])
    template = EmailTemplate.objects.get(kind="order_placed")
    client.force_login(superuser)
    url = reverse("admin:notifications_emailtemplate_preview", args=[template.pk])
    # when
    response = client.get(url, {"order": order.number})
    # then
    assert response.status_code == 200
    subject, text, html = response.context["rendered"]
    assert subject == f"Order {order.number} confirmed"
    assert "3 x Mug" in text
    assert order.customer.name in text
