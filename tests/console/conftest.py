"""The attachment store in a temporary directory for tests that send files."""
from tests.media_support import files_dir  # noqa: F401  (fixture)
