"""Events of the volunteers app that higher layers react to.

`volunteers` knows nothing of requests and offers (it is the lowest layer), yet erasing a
person must release their accepted offers and tell the office. So erasure sends
`volunteer_erasing` inside its transaction, before the personal data go; the requests app
connects the handler that releases offers. A receiver that raises aborts the erasure.
"""

from django.dispatch import Signal

# Sent with `volunteer=<Volunteer>` and `at=<datetime>`.
volunteer_erasing = Signal()

# Sent with `volunteer=<Volunteer>` inside the transaction that made an active volunteer's SMS
# number one to confirm (chosen at registration and the email confirmed, or changed on the
# profile). The workers app queues the confirmation SMS; volunteers sends nothing itself.
phone_to_confirm = Signal()
