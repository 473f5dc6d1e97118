"""Catalog admin: stock received and adjusted through the ledger, the low-stock list, a ledger nobody edits."""

import pytest
from django.urls import reverse

from catalog.models import StockLevel, StockMovement
from tests import factories

RECEIVE = reverse("admin:catalog_stock_receive")
ADJUST = reverse("admin:catalog_stock_adjust")


def test_receiving_stock_writes_a_receipt_movement(client, warehouse, product, location):
    # given
    client.force_login(warehouse)
    # when
    response = client.post(
        RECEIVE,
        {"product": product.pk, "location": location.pk, "quantity": 12, "reason": "delivery", "reference": "DN-1"},
    )
    # then
    assert response.status_code == 302
    movement = StockMovement.objects.get()
    assert (movement.kind, movement.on_hand_delta, movement.reason, movement.reference, movement.actor) == (
        "receipt",
        12,
        "delivery",
        "DN-1",
        warehouse,
    )
    assert StockLevel.objects.get(product=product, location=location).on_hand == 12


def test_adjusting_below_sellable_is_shown_as_a_form_error_and_changes_nothing(client, warehouse, product, location):
    # given
    factories.stock(product, location, 2)
    client.force_login(warehouse)
    # when
    response = client.post(ADJUST, {"product": product.pk, "location": location.pk, "quantity": -5, "reason": "broken"})
    # then
    assert response.status_code == 200
    assert "only 2 sellable units can be adjusted away" in " ".join(response.context["form"].non_field_errors())
    assert StockLevel.objects.get(product=product).on_hand == 2
    assert StockMovement.objects.count() == 1


def test_adjusting_stock_down_writes_an_adjustment(client, warehouse, product, location):
    # given
    factories.stock(product, location, 5)
    client.force_login(warehouse)
    # when
    client.post(ADJUST, {"product": product.pk, "location": location.pk, "quantity": -2, "reason": "breakage"})
    # then
    movement = StockMovement.objects.filter(kind="adjustment").get()
    assert (movement.on_hand_delta, movement.reason) == (-2, "breakage")
    assert StockLevel.objects.get(product=product).on_hand == 3


@pytest.mark.parametrize("url", [RECEIVE, ADJUST])
def test_stock_changes_need_the_add_movement_permission(client, desk, product, location, url):
    # given
    client.force_login(desk)
    # when
    response = client.post(url, {"product": product.pk, "location": location.pk, "quantity": 3, "reason": "x"})
    # then
    assert response.status_code == 403
    assert not StockMovement.objects.exists()


def test_the_ledger_can_be_read_but_never_changed_or_deleted(client, superuser, product, location):
    # given
    factories.stock(product, location, 5)
    movement = StockMovement.objects.get()
    client.force_login(superuser)
    # when
    change = client.post(reverse("admin:catalog_stockmovement_change", args=(movement.pk,)), {"on_hand_delta": 500})
    delete = client.post(reverse("admin:catalog_stockmovement_delete", args=(movement.pk,)), {"post": "yes"})
    add = client.get(reverse("admin:catalog_stockmovement_add"))
    listing = client.get(reverse("admin:catalog_stockmovement_changelist"))
    # then
    assert (change.status_code, delete.status_code, add.status_code, listing.status_code) == (403, 403, 403, 200)
    assert StockMovement.objects.get().on_hand_delta == 5


def test_low_stock_lists_only_levels_below_their_reorder_point(client, warehouse, location):
    # given
    low, fine = factories.ProductFactory(sku="LOW-1"), factories.ProductFactory(sku="OK-1")
    for product, on_hand in ((low, 2), (fine, 20)):
        level = factories.stock(product, location, on_hand)
        level.reorder_point = 5
        level.save(update_fields=["reorder_point"])
    client.force_login(warehouse)
    # when
    response = client.get(reverse("admin:catalog_lowstocklevel_changelist"))
    # then
    rows = list(response.context["cl"].result_list)
    assert [row.product.sku for row in rows] == ["LOW-1"]
    assert rows[0].sellable_units == 2


def test_a_product_page_shows_stock_per_location_read_only(client, superuser, product, location):
    # given
    factories.stock(product, location, 7)
    client.force_login(superuser)
    # when
    response = client.get(reverse("admin:catalog_product_change", args=(product.pk,)))
    # then
    inline = response.context["inline_admin_formsets"][0]
    assert not inline.has_change_permission and not inline.has_add_permission
    assert "Main warehouse" in response.content.decode()


def test_products_are_found_by_sku_for_the_autocomplete(client, desk, product):
    # given
    factories.ProductFactory(sku="PLATE-9", name="Plate")
    client.force_login(desk)
    # when
    response = client.get(
        reverse("admin:autocomplete"),
        {"term": "mug", "app_label": "orders", "model_name": "orderline", "field_name": "product"},
    )
    # then
    # (each product's choice also says its price and sellable stock: "MUG-1 · Mug — 12.50 · 0 in stock")
    assert [r["text"].split(" — ")[0] for r in response.json()["results"]] == ["MUG-1 · Mug"]
