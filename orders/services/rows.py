"""Bulk writes of history-tracked rows (order lines, allocations) that still leave their row history.

QuerySet bulk operations skip django-simple-history; these write the history rows in one more statement.
"""

from collections.abc import Iterable

from simple_history.utils import bulk_create_with_history, bulk_update_with_history


def rows_create(model, objs: Iterable, *, actor=None) -> list:
    objs = list(objs)
    return bulk_create_with_history(objs, model, default_user=actor) if objs else []


def rows_update(model, objs: Iterable, fields: list[str], *, actor=None) -> None:
    objs = list(objs)
    if objs:
        bulk_update_with_history(objs, model, fields, default_user=actor)
