# A backend sentrylint knows nothing about is the operator's choice.
from sentry.conf.server import *  # NOQA

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://redis:6379/1",
        "OPTIONS": {"server_max_value_length": 1048576},
    }
}
