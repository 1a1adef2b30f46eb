"""Registration: the public API and page, email confirmation, and "send me my link again"."""

api_patterns: list = []
page_patterns: list = []
