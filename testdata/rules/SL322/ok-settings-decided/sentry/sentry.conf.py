# https, with every setting decided (one deliberately off).
from sentry.conf.server import *  # NOQA

SENTRY_OPTIONS["system.url-prefix"] = "https://sentry.example.com"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = False
