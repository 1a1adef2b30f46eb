"""The seed_demo command in production: it refuses, on a database with nothing in it.

Apart from `test_commands.py`, whose tests share one seeded demo network for the module.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command


def test_it_refuses_demo_accounts_in_production(db, settings):
    """With DEBUG off, demo accounts with a published password are refused."""
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo")
    assert get_user_model().objects.count() == 0
