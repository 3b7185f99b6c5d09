# 24.1.0 still ships MemcachedCache in its example: nothing to report.
from sentry.conf.server import *  # NOQA

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.memcached.MemcachedCache",
        "LOCATION": ["memcached:11211"],
        "OPTIONS": {"server_max_value_length": 1048576},
    }
}
