# Fine on 24.1.0, but the team is heading to 24.8.0.
from sentry.conf.server import *  # NOQA

CACHES = {
    "default": {
        "BACKEND": 'django.core.cache.backends.memcached.MemcachedCache',
        "LOCATION": ["memcached:11211"],
        "TIMEOUT": 3600,
        "OPTIONS": {"server_max_value_length": 1048576},
    }
}
