SENTRY_FEATURES = {
    "organizations:session-replay": True,
}
