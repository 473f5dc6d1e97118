"""The admin sidebar: grouped by the work, each group only for the roles that use it, scheduler for superusers."""

import pytest
from django.urls import reverse

from oms import navigation
from tests.conftest import staff_in

SCHEDULER = ["Scheduled jobs", "Intervals", "Crontabs", "Clocked", "Solar events"]


def sidebar_of(client, user) -> dict[str, list[str]]:
    client.force_login(user)
    response = client.get(reverse("admin:index") + "?home=1")  # the Warehouse role lands elsewhere without it
    assert response.status_code == 200
    groups = response.context["sidebar_navigation"]
    return {group["title"]: [item["title"] for item in group["items"]] for group in groups}


def test_the_groups_follow_the_work_and_empty_apps_show_no_group(client, superuser):
    # when
    groups = sidebar_of(client, superuser)
    # then: in the order of the work
    assert list(groups) == [
        "Orders", "Fulfilment", "Invoicing", "Returns and refunds", "Catalogue and stock", "Customers", "Reports",
        "Messages", "Settings",
    ]  # fmt: skip
    assert groups["Orders"] == ["Orders", "Payments"]
    assert groups["Settings"][-len(SCHEDULER) :] == SCHEDULER


def test_an_app_adds_its_entries_to_its_group_later(client, superuser):
    # given: an app registers one more entry in a group, first by position (a model that exists, to stay
    # self-contained; every group has entries of its own app by now)
    navigation.entry("Returns and refunds", "Test entry", icon="checklist", model="catalog.StockLocation", position=1)
    try:
        # when
        groups = sidebar_of(client, superuser)
    finally:
        del navigation._ENTRIES[("Returns and refunds", "Test entry")]
    # then: the group appears, in its place after Orders, Fulfilment and Invoicing
    assert list(groups)[:4] == ["Orders", "Fulfilment", "Invoicing", "Returns and refunds"]
    assert groups["Returns and refunds"][0] == "Test entry"


def test_an_unknown_group_is_refused():
    with pytest.raises(ValueError, match="Unknown sidebar group"):
        navigation.entry("Marketing", "Coupons", icon="sell", model="orders.Order")


def test_the_warehouse_sees_orders_and_stock_but_not_messages_or_settings(client, warehouse):
    # when
    groups = sidebar_of(client, warehouse)
    # then
    assert "Stock ledger" in groups["Catalogue and stock"]
    assert "Orders" in groups["Orders"]
    assert "Messages" not in groups and "Settings" not in groups
    assert groups["Fulfilment"][0] == "Work queue"


def test_finance_sees_payments_and_no_stock_ledger(client, finance):
    groups = sidebar_of(client, finance)
    assert "Payments" in groups["Orders"]
    assert "Stock ledger" not in groups.get("Catalogue and stock", [])


@pytest.mark.parametrize("role", ["Order desk", "Warehouse", "Finance", "Manager"])
def test_no_role_but_superusers_sees_the_scheduler(client, db, role):
    # given
    user = staff_in(role, f"{role.replace(' ', '')}@example.com")
    # when
    entries = [title for titles in sidebar_of(client, user).values() for title in titles]
    # then
    assert not set(SCHEDULER) & set(entries)
    assert client.get(reverse("admin:django_celery_beat_periodictask_changelist")).status_code == 403


def test_a_manager_has_the_shop_settings_but_not_the_scheduler(client, db):
    groups = sidebar_of(client, staff_in("Manager", "manager@example.com"))
    assert "Shop settings" in groups["Settings"]
    assert not set(SCHEDULER) & set(groups["Settings"])


def test_superusers_open_the_scheduler_in_unfold(client, superuser):
    client.force_login(superuser)
    response = client.get(reverse("admin:django_celery_beat_periodictask_changelist"))
    assert response.status_code == 200
    assert "unfold/css/styles.css" in response.content.decode()


def test_the_admin_loads_no_asset_from_another_host(client, superuser):
    # given
    client.force_login(superuser)
    # when
    html = client.get(reverse("admin:orders_order_changelist")).content.decode()
    # then: fonts (Inter, Material Symbols), scripts and styles are unfold's local static files
    assert "material-symbols/styles.css" in html
    assert "fonts.googleapis" not in html and "cdn." not in html and "https://" not in html.split("<body")[0]
