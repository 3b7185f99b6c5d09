# Upstream's block from 26.5.1 on.
from sentry.conf.server import *  # NOQA

CACHES = {
    "default": {
        "BACKEND": "sentry.cache.backends.reconnectingmemcache.ReconnectingMemcache",
        "LOCATION": ["memcached:11211"],
        "TIMEOUT": 3600,
        "OPTIONS": {"ignore_exc": True, "reconnect_age": 300},
    }
}
