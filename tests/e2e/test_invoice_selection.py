"""Finance in Chromium: tick drafts in the invoice list and issue them all at once ("Issue the selected drafts")."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from invoicing.models import Invoice
from invoicing.services.drafts import invoice_create
from invoicing.services.issue import invoice_issue
from orders.models import OrderEvent
from orders.services.placement import LineInput, OrderInput, order_create
from tests import factories


def _draft(channel, customer, price: str) -> Invoice:
    line = LineInput(quantity=1, name="Linen apron", unit_price=Decimal(price), tax_rate=Decimal("21"))
    order = order_create(data=OrderInput(channel=channel, customer=customer, lines=[line]), actor=None, place=True)
    return invoice_create(order_id=order.pk)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_finance_issues_the_selected_drafts_in_one_go(live_server, page, admin_login, channel, customer):
    # given: three drafts and one invoice issued already
    user = factories.StaffFactory(email="books@example.com", first_name="Fay", last_name="Finance")
    user.groups.add(Group.objects.get(name="Finance"))
    first, second, third = (_draft(channel, customer, price) for price in ("24.00", "31.50", "12.25"))
    issued = invoice_issue(invoice_id=_draft(channel, customer, "9.99").pk)
    page.set_viewport_size({"width": 1440, "height": 900})
    admin_login(user)

    # when: Finance opens the Drafts tab, ticks two of them and runs "Issue the selected drafts"
    page.goto(f"{live_server.url}/admin/invoicing/invoice/?tab=draft")
    for draft in (first, third):
        page.locator(f"input[name=_selected_action][value='{draft.pk}']").check()
    page.select_option("select[name=action]", "issue_selected")
    page.screenshot(path="/tmp/invoice-selection-before.png", full_page=True)
    page.locator("button[name=index]").click()
    page.wait_for_selector("text=Issued 2 invoices")
    page.screenshot(path="/tmp/invoice-selection-after.png", full_page=True)

    # then: those two got the next numbers of the series, in the order they were made; the third stayed a draft
    first.refresh_from_db(), second.refresh_from_db(), third.refresh_from_db()
    assert (first.status, third.status, second.status) == ("issued", "issued", "draft")
    assert [first.sequence, third.sequence] == [issued.sequence + 1, issued.sequence + 2]
    assert f"{first.number} to {third.number}" in page.inner_text("body")
    assert first.history.filter(history_type="~", status="issued").count() == 1
    assert OrderEvent.objects.filter(type="invoice_issued", order__in=[first.order, third.order]).count() == 2
