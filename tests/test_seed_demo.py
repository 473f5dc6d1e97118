"""The demo data (manage.py seed_demo) and the demo logins (manage.py demo_admin)."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum
from django.http import HttpRequest

from catalog.models import Product, StockLevel, StockLocation, StockMovement
from fulfillment.models import PickList, PickListLine, Shipment
from oms.invariants import run_all
from oms.models import ShopSettings, User
from orders.models import (
    Address,
    Allocation,
    Channel,
    Customer,
    Order,
    OrderEvent,
    OrderLine,
    OrderPayment,
    PaymentMethod,
    PaymentTerms,
)

pytestmark = pytest.mark.django_db

COUNTED = [User, Customer, Address, Product, StockLocation, StockLevel, StockMovement, Channel, Order, OrderLine]
COUNTED += [OrderEvent, OrderPayment, Allocation, Order.history.model, Customer.history.model]
COUNTED += [Shipment, PickList, PickListLine]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=out)
    call_command("seed_picking", stdout=out, stderr=out)  # `make seed` runs it after seed_demo
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def values(field: str) -> set[str]:
    return set(Order.objects.values_list(field, flat=True).distinct())


def assert_shop_catalogue_and_customers() -> None:
    shop = ShopSettings.load()
    assert shop.name and shop.address and shop.vat_number
    kinds = list(StockLocation.objects.values_list("kind", flat=True))
    assert len(kinds) >= 3 and kinds.count(StockLocation.Kind.WAREHOUSE) >= 2 and StockLocation.Kind.STORE in kinds
    assert Product.objects.count() == 50
    assert any(level.is_low for level in StockLevel.objects.all())
    assert Customer.objects.count() == 20
    assert Customer.objects.filter(is_wholesale=True, payment_terms=PaymentTerms.NET_30).exists()
    assert not Customer.objects.filter(user=None).exists()
    assert not Customer.objects.annotate(n=Count("addresses")).filter(n=0).exists()


def assert_orders_in_every_state_and_channel() -> None:
    assert Order.objects.filter(parent=None).count() == 202  # 200 stories and the 2 of the allocation demo
    assert Order.objects.filter(parent__isnull=False).count() == 4  # split off, and shipped
    assert Order.objects.filter(version__gt=1, parent=None).count() >= 4  # edited (and split originals)
    assert values("status") == set(Order.Status.values)
    assert values("payment_status") == set(Order.PaymentStatus.values)
    assert values("fulfillment_status") == set(Order.FulfillmentStatus.values)
    assert values("channel__code") == set(Channel.objects.values_list("code", flat=True))
    assert Channel.objects.count() >= 6
    dates = Order.objects.order_by("created_at").values_list("created_at", flat=True)
    assert (dates.last() - dates.first()).days >= 60  # spread over the last 90 days


def assert_allocation_over_two_locations_a_counter_and_a_move() -> None:
    assert StockLocation.objects.filter(kind=StockLocation.Kind.WAREHOUSE, allocate_automatically=True).count() >= 2
    counter = StockLocation.objects.get(allocate_automatically=False)
    big = Order.objects.get(external_reference="DEMO-A001")
    assert Allocation.objects.filter(line__order=big).values("location").distinct().count() == 2
    moved = Order.objects.get(external_reference="DEMO-A002")
    assert list(Allocation.objects.filter(line__order=moved).values_list("location", flat=True)) == [counter.pk]
    assert moved.events.filter(type=OrderEvent.Type.ALLOCATION_MOVED).count() == 1
    # automatic allocation never chose the counter: its only reservations are the units moved there by hand
    assert Allocation.objects.filter(location=counter).exclude(line__order=moved).count() == 0


def assert_payments_with_methods_and_a_reversal() -> None:
    payments = OrderPayment.objects.filter(kind=OrderPayment.Kind.PAYMENT)
    assert set(payments.values_list("method", flat=True)) == set(PaymentMethod.values)
    assert not payments.filter(reference="").exists()
    reversals = OrderPayment.objects.filter(kind=OrderPayment.Kind.REVERSAL).select_related("reverses", "order")
    assert len(reversals) == 3
    for reversal in reversals:
        assert reversal.reason and reversal.amount == -reversal.reverses.amount
        assert reversal.order.payment_status == Order.PaymentStatus.PAID  # paid by card after the reversal


def assert_stock_matches_ledger_and_orders() -> None:
    for level in StockLevel.objects.annotate(
        on_hand_sum=Sum("movements__on_hand_delta"), allocated_sum=Sum("movements__allocated_delta")
    ):
        assert (level.on_hand_sum or 0, level.allocated_sum or 0) == (level.on_hand, level.allocated), level
    # the reserved units are exactly the open units of the placed orders' product lines
    lines = OrderLine.objects.filter(order__status=Order.Status.PLACED, product__isnull=False)
    open_units = sum(line.quantity_open for line in lines)
    assert Allocation.objects.aggregate(n=Sum("quantity"))["n"] == open_units
    assert StockLevel.objects.aggregate(n=Sum("allocated"))["n"] == open_units


def assert_shipped_orders_have_their_shipments() -> None:
    from fulfillment.models import Shipment

    S = Shipment.Status
    shipped = Order.objects.exclude(fulfillment_status=Order.FulfillmentStatus.UNFULFILLED)
    assert shipped.exists() and not shipped.filter(shipments__isnull=True).exists()  # no "No shipments yet"
    assert Shipment.objects.filter(status=S.SHIPPED).exclude(tracking_code="").exists()
    partial = Order.objects.filter(fulfillment_status=Order.FulfillmentStatus.PARTIALLY_FULFILLED)
    assert partial.annotate(n=Count("shipments")).filter(n=2, shipments__status=S.PENDING).exists()
    assert Shipment.objects.filter(status=S.DELIVERED).exists()
    lost = Shipment.objects.filter(status=S.CANCELED, shipped_at__isnull=False)
    assert lost.exists() and not lost.filter(cancel_reason="").exists()


def assert_invoices_in_every_status() -> None:
    from invoicing.models import Invoice

    invoices = Invoice.objects.filter(kind=Invoice.Kind.DEBIT)
    assert set(invoices.values_list("status", flat=True)) == set(Invoice.Status.values)
    assert any(invoice.is_overdue for invoice in invoices)
    assert Invoice.objects.filter(kind=Invoice.Kind.CREDIT, status=Invoice.Status.ISSUED).exists()
    assert not invoices.exclude(status=Invoice.Status.DRAFT).filter(number="").exists()


def assert_returns_in_every_disposition() -> None:
    from returns.models import Return, ReturnLine, ReturnRequest

    assert set(ReturnLine.objects.values_list("disposition", flat=True)) == set(ReturnLine.Disposition.values)
    assert {"draft", "processed"} <= set(Return.objects.values_list("status", flat=True))
    assert Return.objects.filter(credit_invoice__isnull=False).exists()
    assert {"requested", "completed"} <= set(ReturnRequest.objects.values_list("status", flat=True))


def assert_exchanges_and_a_printed_label() -> None:
    from returns.models import ReturnExchange, ReturnLabelDownload, ReturnRequest

    exchanges = ReturnExchange.objects.filter(replacement_line__isnull=False)
    assert exchanges.filter(owed__gt=0, debit_invoice__isnull=False).exists()  # a dearer replacement, billed
    assert exchanges.filter(credited__gt=0, credit_invoice__isnull=False).exists()  # a cheaper one, credited
    accepted = ReturnRequest.objects.filter(status=ReturnRequest.Status.ACCEPTED)
    assert ReturnLabelDownload.objects.filter(request__in=accepted, source="storefront").exists()


def assert_refunds_in_every_status_and_refund_dues_refunded_by_themselves() -> None:
    from returns.models import Refund

    assert set(Refund.objects.values_list("status", flat=True)) == set(Refund.Status.values)
    due = Refund.objects.filter(kind=Refund.Kind.REFUND_DUE, approved_by=None)
    # made by a cancellation in automatic mode and sent without a click (the demo's payments are paid back as
    # payouts, so it waits, sent, for Finance to confirm the transfer)
    assert due.filter(mode="automatic", status__in=["sent", "paid"]).exists()
    assert due.filter(mode="manual", status="pending").exists()  # the order stories' cancellations of paid orders


def assert_pick_lists_done_short_and_open() -> None:
    lists = list(PickList.objects.order_by("pk"))
    assert [p.status for p in lists] == ["done", "done", "open"]
    statuses = [set(p.lines.values_list("status", flat=True)) for p in lists]
    assert statuses[0] == {"picked"} and "short" in statuses[1] and statuses[2] == {"picked", "open"}
    assert all(len({line.shipment.order_id for line in p.lines.all()}) == 3 for p in lists)  # waves of 3 orders
    assert not PickListLine.objects.filter(bin_location="").exists()


# One test, because seeding goes through the real services and takes a while; each part is a helper above.
def test_seed_demo_builds_a_consistent_demo_shop_with_every_state_and_a_second_run_adds_nothing():
    # given an empty database
    # when the demo data is loaded
    output = seed()
    # then the shop, catalogue, customers and orders are there, in every state and channel
    assert_shop_catalogue_and_customers()
    assert_orders_in_every_state_and_channel()
    assert_allocation_over_two_locations_a_counter_and_a_move()
    assert_payments_with_methods_and_a_reversal()
    assert_pick_lists_done_short_and_open()
    # and the stock agrees with its ledger and the orders, and every registered invariant holds
    assert_stock_matches_ledger_and_orders()
    assert_shipped_orders_have_their_shipments()
    assert_invoices_in_every_status()
    assert_returns_in_every_disposition()
    assert_exchanges_and_a_printed_label()
    assert_refunds_in_every_status_and_refund_dues_refunded_by_themselves()
    assert [(rule.name, rows) for rule, rows in run_all() if rows] == []
    # and the web channel's token was printed, while only its digest is stored
    web = Channel.objects.get(code="web")
    token = output.split("API token of channel 'web'")[1].split(": ", 1)[1].split()[0]
    assert web.api_token_digest == Channel.digest(token)

    # when it runs again
    before = counts()
    seed()
    # then nothing was added and the token stands
    assert counts() == before
    assert Channel.objects.get(code="web").api_token_digest == web.api_token_digest


@pytest.fixture
def demo_settings(settings, tmp_path):
    settings.DEBUG = True  # pytest-django turns DEBUG off; demo_admin runs only with it on
    settings.VAR_DIR = tmp_path
    return settings


def demo_admin(*args) -> str:
    out = StringIO()
    call_command("demo_admin", *args, stdout=out)
    return out.getvalue()


def printed_passwords(output: str) -> dict[str, str]:
    rows = [line.split() for line in output.splitlines() if "@example.com" in line]
    return {row[-3]: row[-2] for row in rows}


def test_demo_admin_makes_a_superuser_one_staff_user_per_role_and_a_customer_that_can_log_in(client, demo_settings):
    # when the demo logins are made
    passwords = printed_passwords(demo_admin())
    # then each printed login works, with its role
    assert User.objects.get(email="admin@example.com").is_superuser
    for email, role in [("desk@example.com", "Order desk"), ("warehouse@example.com", "Warehouse")]:
        user = User.objects.get(email=email)
        assert user.is_staff and not user.is_superuser and list(user.groups.all()) == [Group.objects.get(name=role)]
    assert {g.name for g in Group.objects.filter(user__is_staff=True, user__is_superuser=False)} == {
        "Order desk", "Warehouse", "Finance", "Manager",
    }  # fmt: skip
    assert Customer.objects.filter(user__email="customer@example.com").exists()
    assert len(passwords) == 6
    for email, password in passwords.items():
        assert client.login(request=HttpRequest(), email=email, password=password), email
    # and the passwords are kept for the next run, outside the repository
    assert (demo_settings.VAR_DIR / "demo_logins.txt").stat().st_mode & 0o077 == 0


def test_demo_admin_run_again_resets_the_same_passwords_without_duplicating_users(client, demo_settings):
    # given the demo logins, and a demo user who changed their password
    first = printed_passwords(demo_admin())
    user = User.objects.get(email="desk@example.com")
    user.set_password("something-else-entirely")
    user.save()
    users = User.objects.count()
    # when demo_admin runs again
    second = printed_passwords(demo_admin())
    # then the same passwords work again and no user was added
    assert second == first
    assert client.login(request=HttpRequest(), email="desk@example.com", password=first["desk@example.com"])
    assert User.objects.count() == users


def test_demo_admin_refuses_to_run_with_debug_off(settings, tmp_path):
    # given a production-like configuration
    settings.DEBUG = False
    settings.VAR_DIR = tmp_path
    # when demo_admin runs, then it refuses and makes no login
    with pytest.raises(CommandError, match="DJANGO_DEBUG=1"):
        call_command("demo_admin", stdout=StringIO())
    assert not User.objects.filter(email="admin@example.com").exists()
