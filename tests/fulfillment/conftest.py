"""Fixtures shared by the fulfilment tests."""

from tests.fulfillment.holds_fixtures import anna, mug_order  # noqa: F401
from tests.fulfillment.picking_fixtures import pending_order, products  # noqa: F401 (fixtures)
