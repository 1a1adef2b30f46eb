"""Test data, one module per app, one builder per thing.

- `tests.factories.volunteers`: volunteers and what they speak, offer and when
  (`VolunteerFactory`, `skill`, `add_languages`, `add_slot`, `farsi_mediator`,
  `profiled_volunteer`, `bare_volunteer`, `sms_volunteer`, ...).
- `tests.factories.requests`: offices, staff, requests, offers, outcomes and allowances, made
  the way real ones are (`OfficeFactory`, `make_request`, `sent_offer`, `sent_by_hand`,
  `accepted_offer`, `confirmed`, ...), Berlin times (`at`, `days_ahead`) and the recorder of
  the domain's events.
- `tests.factories.matching`: a fixed appointment and a volunteer who fits it exactly, from
  which each matching test changes one thing.

An app's module imports only from the modules of the apps below it
(volunteers ← requests ← matching), as the apps themselves do. Fixtures that hand this data
to tests live in `tests/conftest.py` and the conftest files beside the tests.
"""
