"""The site's URLs plus the offer pages, for tests that run before config/urls.py includes them.

Once config/urls.py includes `requests.page_urls.page_patterns`, the offer patterns appear twice
here, which is harmless: the first match wins and both point at the same views.
"""

from config.urls import handler404, handler500
from config.urls import urlpatterns as site_patterns
from requests.page_urls import page_patterns

urlpatterns = [*page_patterns, *site_patterns]

__all__ = ["handler404", "handler500", "urlpatterns"]
