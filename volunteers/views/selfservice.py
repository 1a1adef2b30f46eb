"""The volunteer's own pages behind the personal link: edit, pause, export, delete."""

page_patterns: list = []
