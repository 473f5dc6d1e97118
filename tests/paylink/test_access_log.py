"""The document access log: every PDF view through the pay link, the storefront or the admin is a row."""

import pytest
from django.test import Client
from django.urls import reverse

from invoicing.access_log import access_log_section_html, document_access_list
from invoicing.models import DocumentAccess
from invoicing.paylink import paylink_token
from tests.factories import StaffFactory


@pytest.mark.django_db
def test_a_pay_link_download_is_logged_as_anonymous_with_ip_and_browser(invoice):
    # when
    response = Client().get(
        reverse("paylink:pdf", args=[paylink_token(invoice)]), REMOTE_ADDR="198.51.100.4", HTTP_USER_AGENT="Safari\x00"
    )
    # then
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Cache-Control"] == "private, no-store"
    access = DocumentAccess.objects.get()
    assert (access.invoice_id, access.user, access.channel, access.ip_address, access.user_agent) == (
        invoice.pk,
        None,
        DocumentAccess.Channel.PAY_LINK,
        "198.51.100.4",
        "Safari",
    )


@pytest.mark.django_db
def test_every_download_is_a_row_and_the_same_bytes_are_served(invoice):
    client = Client()
    url = reverse("paylink:pdf", args=[paylink_token(invoice)])
    first, second = client.get(url).content, client.get(url).content
    assert first == second
    assert DocumentAccess.objects.filter(invoice=invoice).count() == 2


@pytest.mark.django_db
def test_the_invoice_page_section_lists_the_accesses_newest_first(invoice, rf):
    # given
    staff = StaffFactory(email="fin@example.com")
    for channel, user in ((DocumentAccess.Channel.PAY_LINK, None), (DocumentAccess.Channel.ADMIN, staff)):
        DocumentAccess.objects.create(invoice=invoice, user=user, channel=channel, ip_address="192.0.2.1")
    request = rf.get("/")
    request.user = staff
    # when
    html = access_log_section_html(request, invoice)
    # then
    assert html.index("Staff (admin)") < html.index("Pay link")
    assert "fin@example.com" in html and "anonymous" in html and "192.0.2.1" in html
    assert [a.channel for a in document_access_list(invoice_id=invoice.pk)] == ["admin", "pay_link"]


@pytest.mark.django_db
def test_an_invoice_nobody_opened_says_so(invoice, rf):
    request = rf.get("/")
    request.user = StaffFactory(email="fin@example.com")
    assert "Nobody has opened this document yet." in access_log_section_html(request, invoice)


@pytest.mark.django_db
def test_the_access_log_list_is_read_only_for_finance(client, invoice):
    from oms.permissions import ROLE_FINANCE, ROLE_ORDER_DESK
    from tests.conftest import staff_in

    DocumentAccess.objects.create(invoice=invoice, channel=DocumentAccess.Channel.PAY_LINK)
    url = reverse("admin:invoicing_documentaccess_changelist")
    client.force_login(staff_in(ROLE_ORDER_DESK, "desk@example.com"))
    assert client.get(url).status_code == 403
    client.force_login(staff_in(ROLE_FINANCE, "fin@example.com"))
    page = client.get(url, {"q": invoice.number})
    assert page.status_code == 200 and invoice.number in page.content.decode()
    assert client.get(reverse("admin:invoicing_documentaccess_add")).status_code == 403


@pytest.mark.django_db
def test_a_staff_download_in_the_admin_is_logged_with_the_staff_user(client, invoice):
    from oms.permissions import ROLE_FINANCE
    from tests.conftest import staff_in

    # given
    finance = staff_in(ROLE_FINANCE, "fin@example.com")
    client.force_login(finance)
    # when
    response = client.get(reverse("admin:invoicing_invoice_pdf", args=[invoice.pk]), REMOTE_ADDR="10.1.2.3")
    # then
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    access = DocumentAccess.objects.get()
    assert (access.user, access.channel, access.ip_address) == (finance, DocumentAccess.Channel.ADMIN, "10.1.2.3")
    page = client.get(reverse("admin:invoicing_invoice_change", args=[invoice.pk]))
    assert "Document access" in page.content.decode() and "fin@example.com" in page.content.decode()
