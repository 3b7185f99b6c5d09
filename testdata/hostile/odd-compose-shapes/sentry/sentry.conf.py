import os

DATABASES = {"default": {"HOST": os.environ[123], "NAME": env(), "USER": os.getenv(NAME)}}
SENTRY_RELAY_OPEN_REGISTRATION = "True"
