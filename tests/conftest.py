import pytest


@pytest.fixture
def archive(tmp_path):
    """A directory to write archive files into."""
    directory = tmp_path / "archive"
    directory.mkdir()
    return directory
