import os

from sentry.conf.server import *  # NOQA

DATABASES = {
    "default": {
        "ENGINE": "sentry.db.postgres",
        "PASSWORD": os.environ["SENTRY_DB_PASSWORD"],
    }
}
SENTRY_STATSD_ADDR = env("SENTRY_STATSD_ADDR")
