"""The embedded default's broker (files in var/broker/) answers about as fast as Redis does."""

import os
import subprocess
import sys

from tests.test_settings import ROOT

# The interval of the connection the worker consumes from, as its process builds it.
POLLING = (
    "import django; django.setup(); from config.celery import app; "
    "c = app.connection_for_read(); print(c.transport_cls, c.transport.polling_interval)"
)


def test_the_worker_looks_for_new_messages_several_times_a_second(tmp_path):
    """With no environment (as `make run` starts it), the worker's connection is kombu's
    filesystem transport and looks for new messages several times a second. At kombu's default
    of once a second, every hop waited up to a second: "Angebote verschicken" took 2–4 s."""
    run = subprocess.run(
        [sys.executable, "-c", POLLING],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "LOTSE_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    transport, interval = run.stdout.split()
    assert transport == "filesystem"
    assert 0 < float(interval) <= 0.25
