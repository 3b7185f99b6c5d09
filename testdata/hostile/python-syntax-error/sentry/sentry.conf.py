SENTRY_OPTIONS = {
    'system.url-prefix': 'https://sentry.example.com',

SENTRY_FEATURES['organizations:session-replay'] = True
def broken(:
    pass
