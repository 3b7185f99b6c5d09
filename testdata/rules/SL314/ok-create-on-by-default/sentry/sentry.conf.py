# Multi-organization mode; organizations:create keeps Sentry's default (on).
from sentry.conf.server import *  # NOQA

SENTRY_SINGLE_ORGANIZATION = False
