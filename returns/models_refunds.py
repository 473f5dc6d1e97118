"""Refunds and refund batches (see returns.models)."""
