"""The staff pages' tests ask in English; the language must not outlive the test.

Django's LocaleMiddleware activates the request's language on the test's own thread and leaves
it active, so the next test (an email expected in German, say) would run in English.
"""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def default_language_afterwards():
    yield
    translation.deactivate()
