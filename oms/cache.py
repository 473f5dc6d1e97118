"""Django's Redis cache, with one redis client per connection pool and process instead of one per operation.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every cache call; redis-py's constructor
fills a table of ~170 response callbacks each time (~0.2 ms of CPU). The configuration cache reads its
generation token once per request or task (oms/config_cache.py), so that was a fifth of its cost. A client is
safe to share between threads (each command takes a connection from the pool), and the pool itself notices
a fork and reconnects, as before.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _ReusingClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusingClient
