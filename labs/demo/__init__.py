"""The demo network: `seed_demo` loads it, the same way for `make run`, the screenshots and tests.

- `network`: the seven offices, their staff, the coordinator, and `seed_demo`, which calls the rest;
- `volunteers`: about 200 invented volunteers;
- `history`: a year of requests, offers and outcomes, into an empty database;
- `deliveries`: the record of the history's emails, and the few volunteers who take offers by SMS;
- `allowances`: two offices' allowance rules, their ledger, and the certificate's volunteer.
"""

from labs.demo.network import DEMO_PASSWORD, DemoLogin, DemoNetwork, seed_demo

__all__ = ["DEMO_PASSWORD", "DemoLogin", "DemoNetwork", "seed_demo"]
