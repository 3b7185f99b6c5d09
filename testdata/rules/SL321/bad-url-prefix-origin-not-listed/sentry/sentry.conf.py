# The list names the old host; Sentry moved to a new one.
from sentry.conf.server import *  # NOQA

CSRF_TRUSTED_ORIGINS = ["https://sentry.old.example.com"]
