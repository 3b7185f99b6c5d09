import os

from sentry.conf.server import *  # NOQA

# Only when the operator opts in; the read that runs cannot be told.
if os.environ.get("SENTRY_EXTERNAL_DB"):
    DATABASES = {
        "default": {
            "ENGINE": "sentry.db.postgres",
            "HOST": os.environ.get("SENTRY_DB_HOST"),
        }
    }
