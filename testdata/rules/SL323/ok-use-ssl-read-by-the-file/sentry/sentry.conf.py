# The file itself acts on SENTRY_USE_SSL, as docker-sentry's config did.
from sentry.conf.server import *  # NOQA

SENTRY_USE_SSL = env("SENTRY_USE_SSL", False)
if SENTRY_USE_SSL:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
