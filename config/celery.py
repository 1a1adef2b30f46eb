"""The Celery application: the worker and beat processes load it with `celery -A config`."""

import os
from pathlib import Path

from celery import Celery
from celery.signals import worker_init, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("lotse")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_broker_folders(sender: Celery, **kwargs: object) -> None:
    """The filesystem transport expects its folders to exist before the first message."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@worker_init.connect
def _read_language_catalogue(**kwargs: object) -> None:
    """Read CLDR's language catalogue (about a second) in the worker's main process, before it
    forks its pool: every child then has it, and no offer wave waits for it."""
    from volunteers import languages

    languages.catalogue()


@worker_process_init.connect
def _leave_the_workers_process_group(**kwargs: object) -> None:
    """Each pool process gets a process group of its own, so that a supervisor that signals the
    worker's whole group (honcho under `make run` does, on Ctrl-C) reaches only the worker: it
    then shuts down warmly, lets running tasks finish and ends its pool itself. Signalled
    directly, the pool processes died mid-task, the worker logged them as lost and was killed
    after honcho's five seconds. A pool process still ends when the worker is gone: its pipe to
    the worker closes."""
    os.setpgrp()
