# The legacy name alone: an info, move it to config.yml.
from sentry.conf.server import *  # NOQA

SENTRY_URL_PREFIX = "https://sentry.example.com"
