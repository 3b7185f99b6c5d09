# Copied from the 24.1.2 example, which showed origins without a scheme.
from sentry.conf.server import *  # NOQA

CSRF_TRUSTED_ORIGINS = ["sentry.example.com", "127.0.0.1:9000"]
