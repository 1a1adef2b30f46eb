"""The staff pages: dashboard, requests and their offers, the volunteer directory, statistics.

Server-rendered Django templates; htmx (vendored in `config/static/lotse/vendor/`) only makes
parts live: status badges that follow the workers without a reload. Every page works without
JavaScript. Each view reads through `requests.access.scope_to_offices` (another office's request
is a 404), makes one call to `requests.lifecycle` or `requests.offers`, and answers.

The pages that need the ranking (the new-request form with its candidates, a request's
candidates) live in `matching/pages.py`: `matching` sits above `requests` and may use it, not
the other way round.
"""
