# Plain HTTP on a LAN: the fix takes the scheme of system.url-prefix.
from sentry.conf.server import *  # NOQA

CSRF_TRUSTED_ORIGINS = (
    'sentry.lan:9000',
)
