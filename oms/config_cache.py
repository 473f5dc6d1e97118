"""Shop-wide configuration (shop settings, webhook endpoints) read once per request or task, not per use.

Two layers:
- a scope per request (`ConfigScopeMiddleware`) and per Celery task (`oms.celery`): the first use in the
  scope loads the value, later uses in the same scope get the same object without a query;
- Django's cache between scopes (Redis when `REDIS_URL` is set, so every web process and worker shares it;
  the process-local memory cache otherwise, which serves the one-process demo and the tests).

Saving a cached model calls `config_invalidate`, which deletes the shared entry at once and again when the
saving transaction commits, so every process loads the new value on its next scope. An entry also expires
after `OMS_CONFIG_CACHE_SECONDS` (a bound on staleness should a write ever bypass `save()`).
Outside any scope (shell, scripts, benchmarks) every use asks the shared cache.
"""

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar, Token
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

_scope: ContextVar[dict | None] = ContextVar("oms_config_scope", default=None)
_VERSION = 1  # bump when a cached value's shape changes between deploys


def _cache_key(name: str) -> str:
    return f"oms:config:{_VERSION}:{name}"


def config_scope_open() -> Token:
    return _scope.set({})


def config_scope_close(token: Token) -> None:
    _scope.reset(token)


@contextmanager
def config_scope():
    """One request or task: each configuration value is loaded at most once inside it."""
    token = config_scope_open()
    try:
        yield
    finally:
        config_scope_close(token)


def config_get(name: str, loader: Callable[[], Any]) -> Any:
    memo = _scope.get()
    if memo is not None and name in memo:
        return memo[name]
    value = cache.get(_cache_key(name))
    if value is None:
        value = loader()
        cache.set(_cache_key(name), value, settings.OMS_CONFIG_CACHE_SECONDS)
    if memo is not None:
        memo[name] = value
    return value


def _drop(name: str) -> None:
    cache.delete(_cache_key(name))
    memo = _scope.get()
    if memo is not None:
        memo.pop(name, None)


def config_invalidate(name: str) -> None:
    """The stored value changed: drop it now and again on commit (a reader may reload it in between)."""
    _drop(name)
    transaction.on_commit(partial(_drop, name))


def config_cache_clear() -> None:
    """Forget every cached value (tests, after a rollback that undid a save)."""
    for name in CACHED_NAMES:
        _drop(name)


CACHED_NAMES = ("shop_settings", "webhook_endpoints")


class ConfigScopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with config_scope():
            return self.get_response(request)
