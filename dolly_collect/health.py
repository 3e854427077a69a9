"""Health endpoints for load balancers and orchestrators.

``GET /healthz``: the process answers (liveness).  Nothing else is touched: no database, no
cache, so a node whose database is down is not restarted for it.

``GET /readyz``: the database, the cache, the task broker and the file storage all answer
(readiness): 200 ``{"status": "ready", "checks": {...: "ok"}}``, or 503 with ``"failing"``
naming what does not and a short reason for each.  The checks run side by side and the
answer comes within ``READY_TIMEOUT`` seconds even when a service hangs.

Both are answered by the first middleware, before the host check (a balancer probes a node
by its address), the HTTPS redirect, sessions or language negotiation; they reveal nothing
but which component is unreachable.
"""

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.core.cache import cache
from django.db import connections
from django.http import JsonResponse

from core import storage as file_storage

logger = logging.getLogger(__name__)

READY_TIMEOUT = 5.0  # seconds for all the checks together
PATHS = ("/healthz", "/readyz")


def check_database():
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()  # the check runs in its own thread: leave no connection behind


def check_cache():
    client = getattr(cache, "_cache", None)
    if client is not None and hasattr(client, "get_client"):
        client.get_client(write=True).ping()  # Redis: the site's cache forgives an outage, the probe must not
        return
    cache.set("readyz", "ok", 5)


def check_broker():
    from .celery import app

    if app.conf.task_always_eager:
        return  # tasks run in the web process: there is no broker to reach
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=0)


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "storage": file_storage.check,
}


def _reason(error):
    text = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def readiness():
    """``{name: "ok" or the reason it failed}`` for every check, within ``READY_TIMEOUT`` seconds."""
    pool = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="readyz")
    futures = {name: pool.submit(check) for name, check in CHECKS.items()}
    results = {}
    deadline = time.monotonic() + READY_TIMEOUT
    try:
        for name, future in futures.items():
            try:
                future.result(timeout=max(0.0, deadline - time.monotonic()))
                results[name] = "ok"
            except FutureTimeout:
                results[name] = f"no answer within {READY_TIMEOUT:g} s"
            except Exception as error:
                results[name] = _reason(error)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return results


class HealthMiddleware:
    """Answers ``/healthz`` and ``/readyz``; every other request goes on down the stack."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path not in PATHS:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return JsonResponse({"error": "GET only"}, status=405, headers={"Allow": "GET, HEAD"})
        if request.path == "/healthz":
            return _answer({"status": "alive"}, 200)
        checks = readiness()
        failing = sorted(name for name, result in checks.items() if result != "ok")
        if failing:
            logger.warning("not ready: %s", {name: checks[name] for name in failing})
            return _answer({"status": "unavailable", "failing": failing, "checks": checks}, 503)
        return _answer({"status": "ready", "checks": checks}, 200)


def _answer(payload, status):
    response = JsonResponse(payload, status=status)
    response["Cache-Control"] = "no-store"
    return response
