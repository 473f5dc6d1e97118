"""A list action POSTed with a selection that is not row keys (a hand-made request) is refused with a message
and changes nothing; Django's own filter answered 500 (ValueError)."""

import pytest
from django.urls import reverse

from invoicing.models import Invoice
from invoicing.services.drafts import invoice_create

pytestmark = pytest.mark.django_db

LISTS = [
    ("invoicing_invoice", "issue_selected"),
    ("returns_refund", "approve_selected"),
    ("orders_order", "export_csv"),
    ("orders_customer", "invite_selected"),
    ("notifications_message", "resend_selected"),
    ("fulfillment_picklist", "print_selected"),
]
ODD = ["abc", "-1", "1e309", "nan", "9" * 40, "\x00", "１", ""]


@pytest.mark.parametrize(("model", "action"), LISTS)
@pytest.mark.parametrize("value", ODD)
def test_an_odd_selection_is_refused_and_changes_nothing(client, superuser, model, action, value, order):
    draft = invoice_create(order_id=order.pk)
    client.force_login(superuser)
    url = reverse(f"admin:{model}_changelist")
    # when
    response = client.post(url, {"action": action, "_selected_action": [str(draft.pk), value], "index": 0},
                           follow=True)  # fmt: skip
    # then
    assert response.status_code == 200
    assert "is not a row of this list; nothing was done" in response.content.decode()
    draft.refresh_from_db()
    assert (draft.status, draft.number) == (Invoice.Status.DRAFT, "")


def test_a_selection_of_keys_still_runs_the_action(client, superuser, order):
    draft = invoice_create(order_id=order.pk)
    client.force_login(superuser)
    data = {"action": "issue_selected", "_selected_action": [str(draft.pk)], "index": 0}
    client.post(reverse("admin:invoicing_invoice_changelist"), data)
    draft.refresh_from_db()
    assert draft.status == Invoice.Status.ISSUED
