"""The console fixtures serve the report tests too."""

from tests.console.conftest import console  # noqa: F401 - the shared fixture
from tests.web.conftest import client  # noqa: F401 - the shared fixture
