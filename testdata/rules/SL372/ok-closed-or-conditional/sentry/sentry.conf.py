import os

from sentry.conf.server import *  # NOQA

SENTRY_RELAY_OPEN_REGISTRATION = False
if os.environ.get("DEV"):
    SENTRY_RELAY_OPEN_REGISTRATION = True
