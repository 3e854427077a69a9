"""A Redis cache that degrades to "nothing cached" while Redis is unreachable.

Django's ``RedisCache`` raises when Redis is down, which would turn every page that reads the
cache (API throttling included) into a 500.  The cache only ever holds what can be recomputed,
so here a failed read is a miss and a failed write is dropped.  After a failure, Redis is left
alone for ``RETRY_AFTER`` seconds so that requests do not each wait for a connection timeout.
"""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _degrade(fallback):
    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if time.monotonic() < self._down_until:
                return fallback(*args, **kwargs)
            try:
                return method(self, *args, **kwargs)
            except RedisError as error:
                self._down_until = time.monotonic() + self._retry_after
                logger.warning("cache unavailable for %ss: %s", self._retry_after, error)
                return fallback(*args, **kwargs)

        return wrapper

    return decorate


def _default(key, default=None, version=None):
    return default


def _missing(key, *args, **kwargs):
    raise ValueError(f"Key '{key}' not found")


class ReusedClients(RedisCacheClient):
    """One ``redis.Redis`` per connection pool, made once.

    Django's client builds a new ``redis.Redis`` (and its table of ~200 response callbacks) for
    every cache operation; the object is thread-safe and holds nothing but the pool, so one serves
    every operation of this process.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self._retry_after = float(options.pop("RETRY_AFTER", 5))
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusedClients
        self._down_until = 0.0

    @property
    def is_available(self):
        return time.monotonic() >= self._down_until

    get = _degrade(_default)(RedisCache.get)
    set = _degrade(lambda *a, **k: None)(RedisCache.set)
    add = _degrade(lambda *a, **k: False)(RedisCache.add)
    touch = _degrade(lambda *a, **k: False)(RedisCache.touch)
    delete = _degrade(lambda *a, **k: False)(RedisCache.delete)
    has_key = _degrade(lambda *a, **k: False)(RedisCache.has_key)
    get_many = _degrade(lambda *a, **k: {})(RedisCache.get_many)
    set_many = _degrade(lambda keys, *a, **k: list(keys))(RedisCache.set_many)
    delete_many = _degrade(lambda *a, **k: None)(RedisCache.delete_many)
    clear = _degrade(lambda *a, **k: False)(RedisCache.clear)

    incr = _degrade(_missing)(RedisCache.incr)
