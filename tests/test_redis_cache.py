"""The Redis cache backend (oms/cache.py) builds one redis client per pool and process, not one per call."""

import os
import uuid

import pytest

from oms.cache import RedisCache
from tests.workers import redis_available

REDIS_URL = os.environ.get("REDIS_URL") or os.environ.get("OMS_TEST_WORKER_REDIS_URL", "redis://127.0.0.1:6379/5")
pytestmark = pytest.mark.skipif(not redis_available(REDIS_URL), reason=f"needs Redis at {REDIS_URL}")


def test_every_cache_call_goes_through_one_client_per_pool():
    # given
    cache = RedisCache(REDIS_URL, {"KEY_PREFIX": f"oms-test-{uuid.uuid4().hex}"})
    # when
    cache.set("generation", {"token": "a"}, 30)
    writer = cache._cache.get_client(write=True)
    read = cache.get("generation")
    cache.set("generation", {"token": "b"}, 30)
    # then: values round-trip, and the same client object serves every call
    assert read == {"token": "a"}
    assert cache.get("generation") == {"token": "b"}
    assert cache._cache.get_client(write=True) is writer
    assert cache._cache.get_client() is cache._cache.get_client()
    cache.delete("generation")
    assert cache.get("generation") is None
