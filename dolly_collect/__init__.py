"""The Django project shell.  ``celery_app`` is the Celery app, imported when first asked for
(``celery -A dolly_collect`` and the first task sent load it, not every command's start-up)."""

__all__ = ("celery_app",)


def __getattr__(name):
    if name == "celery_app":
        # Celery itself (about 0.2 s of imports) only where the app is used.
        from .celery import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
