"""The ranking module: who is asked for a request, and why."""
