import os

from sentry.conf.server import *  # NOQA

DATABASES = {
    "default": {
        "ENGINE": "sentry.db.postgres",
        "HOST": env("SENTRY_DATABASE_HOST"),
        "PORT": os.environ.get("SENTRY_DATABASE_PORT", "5432"),
    }
}

SENTRY_OPTIONS["system.event-retention-days"] = int(
    env("SENTRY_EVENT_RETENTION_DAYS", "90")
)
