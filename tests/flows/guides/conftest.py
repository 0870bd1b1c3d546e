from .support import settings  # noqa: F401
