import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings.base")

app = Celery("oms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
def _config_scope_open(task_id=None, task=None, **kwargs):
    """Each task reads the shop-wide configuration once (oms.config_cache), like a request."""
    from oms.config_cache import config_scope_open

    _scope_tokens[task_id] = config_scope_open()


@signals.task_postrun.connect
def _config_scope_close(task_id=None, **kwargs):
    from oms.config_cache import config_scope_close

    token = _scope_tokens.pop(task_id, None)
    if token is not None:
        config_scope_close(token)


_scope_tokens: dict = {}
