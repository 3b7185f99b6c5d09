# The example's SSL/TLS block is still commented out; only one line was enabled.
from sentry.conf.server import *  # NOQA

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# SESSION_COOKIE_SECURE = True
# CSRF_COOKIE_SECURE = True
