"""Fixtures shared by the fulfilment tests."""

from tests.fulfillment.holds_fixtures import anna, mug_order  # noqa: F401
