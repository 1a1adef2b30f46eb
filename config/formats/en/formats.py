"""Dates in English pages, German-style: day before month, 24-hour clock.

Lotse's users live in Germany and read "6 December 2027, 14:30" without effort, while Django's
American "Dec. 6, 2027, 2:30 p.m." next to a German appointment letter invites mistakes.
"""

DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1  # Monday
