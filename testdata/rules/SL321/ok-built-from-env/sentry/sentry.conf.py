# Built at run time: not judged.
from sentry.conf.server import *  # NOQA

CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS", "").split(",")
