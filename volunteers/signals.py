"""Events of the volunteers app that higher layers react to.

`volunteers` knows nothing of requests and offers (it is the lowest layer), yet erasing a
person must release their accepted offers and tell the office. So erasure sends
`volunteer_erasing` inside its transaction, before the personal data go; the requests app
connects the handler that releases offers. A receiver that raises aborts the erasure.
"""

from django.dispatch import Signal

# Sent with `volunteer=<Volunteer>` and `at=<datetime>`.
volunteer_erasing = Signal()
