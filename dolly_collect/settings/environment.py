"""What every part of the settings reads first: the folders, the environment, ``DEBUG`` and Redis."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
VAR_DIR = Path(env.str("DOLLY_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
# Redis: the Celery broker and the cache when set (``jobs`` and the cache settings).
REDIS_URL = env.str("REDIS_URL", default="")
