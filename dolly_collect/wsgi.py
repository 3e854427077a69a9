import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dolly_collect.settings")
application = get_wsgi_application()
# Import every page's and API's code (pandas for dataset cards among them) before the first request,
# so that the first visitors after a web node (re)starts do not each wait behind those imports.
get_resolver().url_patterns  # noqa: B018
# And Celery with every app's tasks and the broker's client, which commands load only when they
# send a task (core.tasks).
from core.tasks import broker_errors, celery_app  # noqa: E402

celery_app().loader.import_default_modules()
broker_errors()
