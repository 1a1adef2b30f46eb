"""Who can help: volunteers, languages, skills and availability; the catalogue and place helpers."""
