import importlib
import os
from decimal import Decimal

import pytest

from oms.models import ShopSettings
from tests import factories

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` skip on the SQLite default (and never in the PostgreSQL CI run)."""
    if ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


_skipped: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    # The PostgreSQL CI run sets OMS_FORBID_SKIPS=1: there, a skipped test is a failure.
    if os.environ.get("OMS_FORBID_SKIPS") == "1" and _skipped:
        print(f"\nOMS_FORBID_SKIPS: {len(_skipped)} test(s) skipped: " + ", ".join(_skipped[:20]))
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _data_migrations_after_flush(request):
    """Transactional tests flush every table, and with it the rows that data migrations made (staff
    groups, default e-mail templates). Put them back for the next test, as a fresh database has them."""
    if request.node.get_closest_marker("django_db") is None and "db" not in request.fixturenames:
        return
    request.getfixturevalue("_django_db_helper")
    from django.apps import apps
    from django.contrib.auth.models import Group

    if Group.objects.exists():
        return
    for module, function in DATA_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(autouse=True)
def _config_cache_clear():
    """Shop settings and webhook endpoints are cached across requests; a test's rolled-back rows must not
    leak into the next test through that cache."""
    from oms.config_cache import config_cache_clear

    config_cache_clear()
    yield
    config_cache_clear()


DATA_MIGRATIONS = [
    ("oms.migrations.0002_staff_groups", "create_groups"),
    ("notifications.migrations.0002_default_templates", "create_defaults"),
    ("fulfillment.migrations.0002_warehouse_permissions", "grant"),
    ("fulfillment.migrations.0004_warehouse_connection_permissions", "grant"),
    ("returns.migrations.0006_refund_permissions", "grant"),
    ("orders.migrations.0009_payments_data", "grant_reverse_payment"),
    ("invoicing.migrations.0002_defaults_and_permissions", "create_defaults"),
    ("orders.migrations.0012_allocation_move", "grant_move_allocation"),
    ("invoicing.migrations.0004_finance_permissions", "grant"),
    ("returns.migrations.0002_reasons_and_permissions", "create_defaults"),
    ("reports.migrations.0002_report_permissions", "grant"),
    ("catalog.migrations.0007_stock_alerts", "grant_alert_permissions"),
    ("orders.migrations.0013_customer_invitation", "grant_invite_customer"),
]


@pytest.fixture
def shop(db):
    return ShopSettings.load()


@pytest.fixture
def allocation_by_priority(shop):
    """The allocation rule "one location for the whole order first" off: strictly by location priority, line
    by line, so that an order reserves the best location's stock first and splits a line to get the rest."""
    shop.allocate_whole_order_first = False
    shop.save()
    return shop


@pytest.fixture
def tax_rate(db):
    return factories.TaxRateFactory()


@pytest.fixture
def location(db):
    return factories.StockLocationFactory(code="main", name="Main warehouse", priority=10)


@pytest.fixture
def second_location(db):
    return factories.StockLocationFactory(code="store", name="City store", priority=20)


@pytest.fixture
def channel(db):
    return factories.ChannelFactory()


@pytest.fixture
def customer(db):
    return factories.AddressFactory().customer


@pytest.fixture
def staff(db):
    return factories.StaffFactory(email="desk@example.com")


def staff_in(role: str, email: str):
    """A staff user in one of the roles (groups) the migration made."""
    from django.contrib.auth.models import Group

    user = factories.StaffFactory(email=email)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def desk(db):
    return staff_in("Order desk", "clerk@example.com")


@pytest.fixture
def warehouse(db):
    """Staff who may change no order's status (no place, cancel or payment permission)."""
    return staff_in("Warehouse", "picker@example.com")


@pytest.fixture
def finance(db):
    return staff_in("Finance", "books@example.com")


@pytest.fixture
def superuser(db):
    return factories.UserFactory(email="admin@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def product(db, tax_rate):
    return factories.ProductFactory(sku="MUG-1", name="Mug", unit_price=Decimal("12.50"), tax_rate=tax_rate)


@pytest.fixture
def place_order(db, channel, customer, shop):
    """place_order([(product, qty), ...], **order fields) -> placed Order through the real service."""
    from orders.services.placement import LineInput, OrderInput, order_create

    def _place(items, *, place=True, **fields):
        lines = [LineInput(product=p, quantity=q) for p, q in items]
        data = OrderInput(
            channel=fields.pop("channel", channel), customer=fields.pop("customer", customer), lines=lines, **fields
        )
        return order_create(data=data, actor=None, place=place)

    return _place
