"""The Create return page takes an exchange per line (replacement SKU and units): the live suggestion shows the
difference and leaves the exchanged units out of the refund; creating it reserves the replacement."""

from decimal import Decimal

import pytest

from returns.models import Return, ReturnExchange
from tests import factories
from tests.returns.conftest import lines_of
from tests.returns.test_admin import form_data, page

pytestmark = pytest.mark.django_db


@pytest.fixture
def xl(tax_rate, location):
    product = factories.ProductFactory(sku="MUG-XL", name="Mug XL", unit_price=Decimal("16.00"), tax_rate=tax_rate)
    factories.stock(product, location, 4)
    return product


def with_exchange(order, data: dict, sku: str, quantity) -> dict:
    mug = lines_of(order)["MUG-1"]
    return {**data, f"exchange_sku_{mug.pk}": sku, f"exchange_qty_{mug.pk}": quantity}


def test_the_suggestion_shows_the_difference_and_leaves_the_exchanged_units_out(
    client, desk, paid, location, reason, xl
):
    client.force_login(desk)
    data = with_exchange(paid, form_data(paid, location, reason, {"MUG-1": 1, "BOOK-1": 1}, action=""), "MUG-XL", 1)
    html = client.post(page(paid, "create-return"), data, HTTP_HX_REQUEST="true").content.decode()
    assert "1 × Mug → 1 × Mug XL" in html
    assert 'class="money exchange-owed">EUR 3.50' in html
    book = paid.invoices.get(kind="debit").lines.get(sku="BOOK-1").gross / 2
    assert f'id="suggested-amount">EUR {book.quantize(Decimal("0.01"))}' in html  # the book only


def test_creating_the_return_reserves_the_replacement(client, desk, paid, location, reason, xl):
    client.force_login(desk)
    data = with_exchange(paid, form_data(paid, location, reason, {"MUG-1": 1}), "MUG-XL", "2")
    response = client.post(page(paid, "create-return"), data)
    assert response.status_code == 302
    exchange = ReturnExchange.objects.get(return_line__return_record=Return.objects.get(order=paid))
    assert exchange.replacement_line.quantity == 2 and exchange.owed == Decimal("32.00") - Decimal("12.50")
    assert exchange.debit_invoice.total_gross == Decimal("19.50")


def test_an_unknown_sku_is_refused_with_its_name_and_nothing_is_created(client, desk, paid, location, reason, xl):
    client.force_login(desk)
    data = with_exchange(paid, form_data(paid, location, reason, {"MUG-1": 1}), "NO-SUCH", "1")
    response = client.post(page(paid, "create-return"), data)
    assert response.status_code == 200 and "NO-SUCH" in response.content.decode()
    assert not Return.objects.exists()
