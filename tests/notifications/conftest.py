import os
from contextlib import contextmanager

import pytest

from oms.celery import app
from tests.factories import stock
from tests.peers import HttpReceiver, start_smtp_sink
from tests.workers import redis_available

# A Redis database of the worker tests' own; parallel runs on one machine each name another one.
WORKER_REDIS_URL = os.environ.get("OMS_TEST_WORKER_REDIS_URL", "redis://127.0.0.1:6379/5")
CLOSED_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1: the broker is "down"


@pytest.fixture
def smtp_sink():
    controller, sink = start_smtp_sink()
    yield sink
    sink.release.set()
    controller.stop()


@pytest.fixture
def smtp_settings(settings, smtp_sink):
    """Send through the real SMTP backend to the loopback sink."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    return smtp_sink


@pytest.fixture
def fast_retries(settings):
    """No backoff and no sweeper grace, so a test can drive retries through the sweeper at once."""
    settings.OMS_OUTBOX_BACKOFF_SECONDS = 0
    settings.OMS_OUTBOX_SWEEP_GRACE_SECONDS = 0
    return settings


@pytest.fixture
def receiver_factory():
    started = []

    def _start(statuses=None) -> HttpReceiver:
        receiver = HttpReceiver(statuses).__enter__()
        started.append(receiver)
        return receiver

    yield _start
    for receiver in started:
        receiver.__exit__(None, None, None)


@contextmanager
def celery_broker(url: str):
    """Make this process publish tasks to `url` instead of running them in-process."""
    saved = (app.conf.broker_url, app.conf.task_always_eager)
    _use_broker(url, eager=False)
    try:
        yield
    finally:
        _use_broker(saved[0], eager=saved[1])


def _use_broker(url: str, *, eager: bool) -> None:
    app.conf.broker_url = url
    app.conf.task_always_eager = eager
    # Celery caches its connection pools; drop them so the next publish connects to the new URL.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def worker_redis():
    import redis

    if not redis_available(WORKER_REDIS_URL):
        pytest.skip("needs Redis on 127.0.0.1:6379")
    redis.Redis.from_url(WORKER_REDIS_URL).flushdb()
    return WORKER_REDIS_URL


@pytest.fixture
def stocked_product(product, location):
    stock(product, location, 100)
    return product
