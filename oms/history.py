"""django-simple-history, made cheaper to reach.

simple-history's `HistoryDescriptor.__get__` builds a new manager class
(`HistoryManager.from_queryset(HistoricalQuerySet)`) on every `Model.history` access, and every
`bulk_*_with_history` call and every history query goes through it. The class never changes, so it is
built once per model here; the manager instances (bound to a row or not) are still made per access.
"""

from django.apps import apps
from simple_history.manager import HistoryDescriptor


class CachedHistoryDescriptor(HistoryDescriptor):
    def __init__(self, descriptor: HistoryDescriptor):
        super().__init__(descriptor.model, manager=descriptor.manager_class, queryset=descriptor.queryset_class)
        self._manager_with_queryset = self.manager_class.from_queryset(self.queryset_class)

    def __get__(self, instance, owner):
        return self._manager_with_queryset(self.model, instance)


def history_descriptors_cache() -> None:
    """Replace each model's history descriptor by one that builds its manager class once (run in ready())."""
    for model in apps.get_models():
        for name, value in list(vars(model).items()):
            if type(value) is HistoryDescriptor:
                setattr(model, name, CachedHistoryDescriptor(value))
