"""Celery tasks and what they send: emails, invites, reminders, sweepers."""
