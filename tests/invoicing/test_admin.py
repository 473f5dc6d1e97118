"""Invoicing in the admin: the order's Invoices tab, the invoice page and its actions, the list, permissions."""

from decimal import Decimal

import pytest
from django.urls import reverse

from invoicing.models import Invoice, InvoiceDocumentTemplate, PaymentTerms
from invoicing.services.drafts import invoice_create
from tests.invoicing.helpers import issued, pay

pytestmark = pytest.mark.django_db
S = Invoice.Status


def tab_url(order):
    return reverse("admin:orders_order_page", args=(order.pk, "invoices"))


def action_url(invoice, action):
    return reverse("admin:invoicing_invoice_action", args=(invoice.pk, action))


def page_url(invoice):
    return reverse("admin:invoicing_invoice_change", args=(invoice.pk,))


def test_finance_creates_issues_and_sends_from_the_order(client, finance, order, django_capture_on_commit_callbacks):
    client.force_login(finance)
    html = client.get(tab_url(order)).content.decode()
    assert "No invoices yet." in html and "Create invoice" in html
    net30 = PaymentTerms.objects.get(code="net_30")
    response = client.post(tab_url(order), {"terms": net30.pk, "note": "PO 4711"})
    invoice = Invoice.objects.get(order=order)
    assert response.status_code == 302 and response.url == page_url(invoice)
    assert invoice.terms == net30 and invoice.note == "PO 4711"
    html = client.get(page_url(invoice)).content.decode()
    assert 'data-action="issue"' in html and "Mug" in html
    client.post(action_url(invoice, "issue"))
    invoice.refresh_from_db()
    assert invoice.status == S.ISSUED and invoice.number
    with django_capture_on_commit_callbacks(execute=True):
        client.post(action_url(invoice, "send"), {"note": ""})
    invoice.refresh_from_db()
    assert invoice.status == S.SENT
    html = client.get(tab_url(order)).content.decode()
    assert invoice.number in html and "Sent" in html and "Create invoice" not in html
    pdf = client.get(reverse("admin:invoicing_invoice_pdf", args=(invoice.pk,)))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content == bytes(invoice.pdf)


def test_the_admin_form_cannot_change_an_issued_invoice(client, finance, order):
    invoice = issued(order, finance)
    before = Invoice.objects.values().get(pk=invoice.pk)
    client.force_login(finance)
    response = client.post(page_url(invoice), {"terms": "", "due_date": "2030-01-01", "note": "changed"})
    assert response.status_code == 302
    assert Invoice.objects.values().get(pk=invoice.pk) == before


def test_a_draft_is_changed_on_its_page(client, finance, order):
    draft = invoice_create(order_id=order.pk, actor=finance)
    net30 = PaymentTerms.objects.get(code="net_30")
    client.force_login(finance)
    client.post(page_url(draft), {"terms": net30.pk, "due_date": "", "note": "Thanks"})
    draft.refresh_from_db()
    assert draft.terms == net30 and draft.note == "Thanks"


def test_credit_and_cancel_refusals_show_and_change_nothing(client, finance, order):
    invoice = issued(order, finance)
    pay(order, Decimal("5.00"))
    client.force_login(finance)
    response = client.post(action_url(invoice, "credit"), {"amount": "6.00", "reason": "Too much"})
    assert response.status_code == 200 and "more than that" in response.content.decode()
    assert not Invoice.objects.filter(kind="credit").exists()
    response = client.post(action_url(invoice, "credit"), {"amount": "5.00", "reason": "Goodwill"})
    credit = Invoice.objects.get(kind="credit")
    assert response.url == page_url(credit) and credit.total_gross == Decimal("5.00")


def test_the_credit_button_goes_once_what_was_paid_is_credited_on_a_partly_paid_invoice(client, finance, order):
    # given: 5.00 paid on the invoice, then 5.00 credited; the invoice still shows 5.00 applied (its balance took
    # the freed money again), but nothing paid is left to credit
    invoice = issued(order, finance)
    pay(order, Decimal("5.00"))
    client.force_login(finance)
    assert 'data-action="credit"' in client.get(page_url(invoice)).content.decode()
    client.post(action_url(invoice, "credit"), {"amount": "5.00", "reason": "Goodwill"})
    invoice.refresh_from_db()
    assert (invoice.amount_paid, invoice.amount_credited) == (Decimal("5.00"), Decimal("5.00"))
    # when / then
    assert 'data-action="credit"' not in client.get(page_url(invoice)).content.decode()


def test_staff_without_invoicing_permissions_are_refused(client, warehouse, order, finance):
    invoice = issued(order, finance)
    client.force_login(warehouse)
    assert client.get(page_url(invoice)).status_code == 403
    assert client.post(action_url(invoice, "cancel"), {"reason": "x"}).status_code == 403
    assert client.post(tab_url(order), {"terms": ""}).status_code == 403
    invoice.refresh_from_db()
    assert invoice.status == S.ISSUED


def test_list_tabs_and_search(client, finance, order, place_order, stocked, django_assert_num_queries):
    first = issued(order, finance)
    invoice_create(order_id=place_order([(stocked[0], 1)]).pk, actor=finance)
    client.force_login(finance)
    url = reverse("admin:invoicing_invoice_changelist")
    html = client.get(url).content.decode()
    assert first.number in html and 'data-tab="draft"' in html
    assert first.number not in client.get(url, {"tab": "draft"}).content.decode()
    assert first.number in client.get(url, {"q": first.number[:8]}).content.decode()
    assert first.number in client.get(url, {"q": order.number}).content.decode()
    client.get(url)
    with django_assert_num_queries(LIST_QUERIES):
        client.get(url)
    for _ in range(3):
        invoice_create(order_id=place_order([(stocked[0], 1)]).pk, actor=finance)
    with django_assert_num_queries(LIST_QUERIES):
        client.get(url)


# session, user, the tab counts (one query), two permission loads (user's, groups'), the page of rows (order and
# credit-for joined) and the capped count of the list: the same for 2 invoices or 5
LIST_QUERIES = 7


def test_template_reset_to_default(client, finance):
    template = InvoiceDocumentTemplate.objects.get(kind="invoice")
    InvoiceDocumentTemplate.objects.filter(pk=template.pk).update(body_html="{% if %}")  # broken behind the admin
    client.force_login(finance)
    url = reverse("admin:invoicing_invoicedocumenttemplate_change", args=(template.pk,))
    response = client.post(url, {"body_html": "{% if %}", "_reset": "1"})
    assert response.status_code == 302
    template.refresh_from_db()
    assert "{{ invoice.number }}" in template.body_html
    response = client.post(url, {"body_html": "{% for %}", "_save": "1"})
    assert response.status_code == 200 and "syntax" in response.content.decode().lower()
