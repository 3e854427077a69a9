from django.apps import AppConfig

from core import tasks


def _celery_app():
    # dolly_collect.celery imports Celery: loaded by the first task sent, not at start-up (core.tasks).
    from .celery import app

    return app


class DollyCollectConfig(AppConfig):
    name = "dolly_collect"
    verbose_name = "Dolly Collect"

    def ready(self):
        tasks.use_celery_app(_celery_app)
