"""The staff directory: list, filter, read and change volunteers."""

api_patterns: list = []
