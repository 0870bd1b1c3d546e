from tests.email_support import settings, smtp  # noqa: F401  (the e-mail channel's fixtures)
