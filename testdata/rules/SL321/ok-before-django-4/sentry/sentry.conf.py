# Django 3 (before 24.1.0) expects bare host names.
from sentry.conf.server import *  # NOQA

CSRF_TRUSTED_ORIGINS = ["sentry.example.com"]
