"""WSGI entry point for gunicorn (`gunicorn config.wsgi`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Read CLDR's language catalogue now (about a second), not on the first page that ranks or lists
# languages: otherwise the first staff member after each start waits for it.
from volunteers import languages  # noqa: E402 (needs the apps loaded above)

languages.catalogue()
