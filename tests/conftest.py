import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty page cache (ids repeat across tests)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def archive(tmp_path):
    """A directory to write archive files into."""
    directory = tmp_path / "archive"
    directory.mkdir()
    return directory
