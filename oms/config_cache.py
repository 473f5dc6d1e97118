"""Shop-wide configuration (shop settings, webhook endpoints) read once per request or task, not per use.

Three layers:
- a scope per request (`ConfigScopeMiddleware`) and per Celery task (`oms.celery`): the first use in the
  scope loads the value, later uses in the same scope get the same object without a query;
- a copy per process, stamped with the shared *generation* it was loaded under;
- the generation itself in Django's cache (Redis when `REDIS_URL` is set, so every web process and worker
  shares it; the process-local memory cache otherwise, which serves the one-process demo and the tests).

A scope reads the generation once (a short token, one small cache read) and, while it equals the stamp of
the process's copy, unpickles that copy: no query and no pickled value fetched from Redis per name (two
Redis reads of pickled rows cost ~2 ms of CPU per placement; one token read costs a tenth of that).
Saving a cached model calls `config_invalidate`, which sets a new generation at once and again when the
saving transaction commits, so every process reloads from the database in its next scope (a reader that
loaded the old row between the two sees the second change). A copy also expires after
`OMS_CONFIG_CACHE_SECONDS` (a bound on staleness should a write ever bypass `save()`).
Outside any scope (shell, scripts, benchmarks) every use reads the generation.
"""

import pickle
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

_scope: ContextVar[dict | None] = ContextVar("oms_config_scope", default=None)
_VERSION = 2  # bump when a cached value's shape changes between deploys
_GENERATION_KEY = f"oms:config:{_VERSION}:generation"
_GENERATION = object()  # the scope memo's entry for the generation it read
# name -> (generation, monotonic time loaded, pickled value): pickled, so every scope gets its own object
# (a caller that changes its copy without saving changes nobody else's), as a read from Redis did.
_process: dict[str, tuple[str, float, bytes]] = {}
_drops = [0]  # invalidations made by this process


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


def _generation(memo: dict | None) -> str:
    if memo is not None and _GENERATION in memo:
        return memo[_GENERATION]
    generation = cache.get(_GENERATION_KEY)
    if generation is None:  # first use, or Redis was emptied: start one (a racing process may win the add)
        cache.add(_GENERATION_KEY, uuid.uuid4().hex, None)
        generation = cache.get(_GENERATION_KEY) or ""
    if memo is not None:
        memo[_GENERATION] = generation
    return generation


def config_get(name: str, loader: Callable[[], Any]) -> Any:
    memo = _scope.get()
    if memo is not None and name in memo:
        return memo[name]
    generation = _generation(memo)
    stamp, loaded_at, pickled = _process.get(name, (None, 0.0, b""))
    if stamp == generation and time.monotonic() - loaded_at < settings.OMS_CONFIG_CACHE_SECONDS:
        value = pickle.loads(pickled)  # noqa: S301 (bytes this process pickled itself)
    else:
        drops = _drops[0]
        value = loader()
        if _drops[0] != drops:  # the loader saved (get_or_create made the row): stamp the value it returns
            generation = _generation(None)
        _process[name] = (generation, time.monotonic(), pickle.dumps(value))
    if memo is not None:
        memo[name] = value
    return value


def _drop(name: str) -> None:
    _drops[0] += 1
    cache.set(_GENERATION_KEY, uuid.uuid4().hex, None)
    _process.pop(name, None)
    memo = _scope.get()
    if memo is not None:
        memo.pop(name, None)
        memo.pop(_GENERATION, None)


def config_invalidate(name: str) -> None:
    """The stored value changed: a new generation now and again on commit (a reader may reload in between)."""
    _drop(name)
    transaction.on_commit(lambda: _drop(name))


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
