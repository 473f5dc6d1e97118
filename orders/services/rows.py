"""Bulk writes that still leave row history where the model keeps it.

QuerySet bulk operations skip django-simple-history. Orders, lines and customers keep their row history
(staff read it), so for them these write the history rows in one more statement; models without
history (allocations: their changes are order events and ledger movements) get the plain bulk statement.
"""

from collections.abc import Iterable

from simple_history.utils import bulk_create_with_history, bulk_update_with_history


def _has_history(model) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


def rows_create(model, objs: Iterable, *, actor=None) -> list:
    objs = list(objs)
    if not objs:
        return []
    if _has_history(model):
        return bulk_create_with_history(objs, model, default_user=actor)
    return model.objects.bulk_create(objs)


def rows_update(model, objs: Iterable, fields: list[str], *, actor=None) -> None:
    objs = list(objs)
    if not objs:
        return
    if _has_history(model):
        bulk_update_with_history(objs, model, fields, default_user=actor)
    else:
        model.objects.bulk_update(objs, fields)
