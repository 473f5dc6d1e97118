"""The shop's one settings record, edited in the admin: validated, with history, never deleted or doubled."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.urls import reverse

from oms.models import ShopSettings
from oms.permissions import ROLE_MANAGER, ROLE_ORDER_DESK
from tests import factories

pytestmark = pytest.mark.django_db

CHANGE_URL = reverse("admin:oms_shopsettings_change", args=[1])


def form_data(shop: ShopSettings, **changes) -> dict:
    data = {
        "name": shop.name,
        "address": shop.address,
        "vat_number": shop.vat_number,
        "sender_email": shop.sender_email,
        "currency": shop.currency,
        "prices_include_tax": "on" if shop.prices_include_tax else "",
        "reservation_expiry_hours": shop.reservation_expiry_hours,
        "default_shipping_tax_rate": shop.default_shipping_tax_rate,
        "refund_mode": shop.refund_mode,
        "refund_batch_time": shop.refund_batch_time.strftime("%H:%M"),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def staff_in(role: str, email: str):
    user = factories.StaffFactory(email=email)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def manager_client(client):
    client.force_login(staff_in(ROLE_MANAGER, "manager@example.com"))
    return client


def test_a_manager_edits_the_shop_settings_and_each_edit_is_kept_in_history(shop, manager_client):
    # given the settings record with its history
    versions = shop.history.count()
    # when a manager saves new values
    response = manager_client.post(
        CHANGE_URL, form_data(shop, name="Het Servieshuis", vat_number="NL001234567B01", currency="USD")
    )
    # then they are stored and the change is a new history row naming the changed fields
    assert response.status_code == 302
    shop.refresh_from_db()
    assert (shop.name, shop.vat_number, shop.currency) == ("Het Servieshuis", "NL001234567B01", "USD")
    assert shop.history.count() == versions + 1
    latest, previous = shop.history.all()[:2]
    assert {"name", "vat_number", "currency"} <= set(latest.diff_against(previous).changed_fields)


@pytest.mark.parametrize(
    "field, bad_value",
    [
        ("currency", "eur"),
        ("currency", "EURO"),
        ("sender_email", "not-an-address"),
        ("reservation_expiry_hours", "-1"),
        ("default_shipping_tax_rate", "-5"),
        ("default_shipping_tax_rate", "NaN"),
        ("default_shipping_tax_rate", "101"),
        ("reservation_expiry_hours", "100000"),
        ("address", "Main\x00street"),
        ("vat_number", "NL\x07123"),
        ("low_stock_email", "not-an-address"),
    ],
)
def test_an_invalid_value_is_refused_with_a_message_and_nothing_changes(shop, manager_client, field, bad_value):
    # given the settings record
    versions = shop.history.count()
    # when a manager posts an invalid value
    response = manager_client.post(CHANGE_URL, form_data(shop, name="Changed name", **{field: bad_value}))
    # then the form comes back with an error on that field and nothing is saved
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    shop.refresh_from_db()
    assert shop.name != "Changed name" and shop.history.count() == versions


def test_staff_without_the_change_permission_get_403_and_nothing_changes(shop, client):
    # given an order-desk user (who may not change the shop settings)
    client.force_login(staff_in(ROLE_ORDER_DESK, "desk@example.com"))
    # when they post an edit by hand
    response = client.post(CHANGE_URL, form_data(shop, name="Hijacked"))
    # then it is refused and the record is as it was
    assert response.status_code == 403
    shop.refresh_from_db()
    assert shop.name != "Hijacked"


def test_the_settings_cannot_be_deleted_even_by_a_superuser(shop, client, superuser):
    # given a superuser
    client.force_login(superuser)
    # when they open or post the delete page
    page = client.get(reverse("admin:oms_shopsettings_delete", args=[1]))
    posted = client.post(reverse("admin:oms_shopsettings_delete", args=[1]), {"post": "yes"})
    # then both are refused and the record remains
    assert (page.status_code, posted.status_code) == (403, 403)
    assert ShopSettings.objects.filter(pk=1).exists()


def test_the_admin_offers_no_second_record_and_the_list_opens_the_one_record(shop, client, superuser):
    # given a superuser and the existing record
    client.force_login(superuser)
    # when they try to add another, or open the list
    add = client.post(reverse("admin:oms_shopsettings_add"), form_data(shop, name="Second shop"))
    listing = client.get(reverse("admin:oms_shopsettings_changelist"))
    # then adding is refused and the list leads to the one record
    assert add.status_code == 403
    assert listing.status_code == 302 and listing["Location"] == CHANGE_URL
    assert ShopSettings.objects.count() == 1


def test_saving_a_new_settings_object_updates_the_one_record_instead_of_adding_one(shop):
    # when code saves a fresh ShopSettings object
    ShopSettings(name="Another shop", default_shipping_tax_rate=Decimal("9.00")).save()
    # then there is still exactly one record, holding the new values
    assert ShopSettings.objects.count() == 1
    assert ShopSettings.load().name == "Another shop"


def test_the_database_refuses_a_second_row_written_behind_the_models_back(shop):
    # when a second row is inserted without the model's save()
    # then the singleton constraint refuses it
    with pytest.raises(IntegrityError), transaction.atomic():
        ShopSettings.objects.bulk_create([ShopSettings(id=2, name="Duplicate")])
    assert ShopSettings.objects.count() == 1


def test_the_settings_page_groups_every_setting_by_topic_with_help_and_history(shop, manager_client):
    # when
    response = manager_client.get(CHANGE_URL)
    page = response.content.decode()
    # then: every editable field is on the page, in a topic, with its help text
    fieldsets = response.context["adminform"].fieldsets
    placed = [name for _, options in fieldsets for name in options["fields"]]
    editable = [f.name for f in ShopSettings._meta.fields if f.editable and not f.primary_key]
    assert set(editable) <= set(placed)
    assert [title for title, _ in fieldsets][:5] == [
        "Shop",
        "E-mail",
        "Prices and tax",
        "Invoicing",
        "Stock and fulfilment",
    ]
    for name in editable:
        help_text = str(ShopSettings._meta.get_field(name).help_text)
        assert help_text, f"{name} has no help text"
    assert "Who is e-mailed when a product" in page
    assert "Series INV (Debit invoice)" in page or "Series INV" in page
    assert reverse("admin:oms_shopsettings_history", args=[1]) in page


def test_the_low_stock_address_is_saved(shop, manager_client):
    # when
    manager_client.post(CHANGE_URL, form_data(shop, low_stock_email="buyer@example.com"))
    # then
    shop.refresh_from_db()
    assert shop.low_stock_email == "buyer@example.com"
