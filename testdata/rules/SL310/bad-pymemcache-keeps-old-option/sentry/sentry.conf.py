# The backend was switched by hand, the old option was kept.
from sentry.conf.server import *  # NOQA

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
        "LOCATION": ["memcached:11211"],
        "TIMEOUT": 3600,
    }
}
CACHES["default"]["OPTIONS"] = {"server_max_value_length": 1024 * 1024}
