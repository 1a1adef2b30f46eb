"""Arabic dates with the 24-hour clock, as every appointment time in Lotse is written.

Django's Arabic formats use the 12-hour clock ("2:30 م") and have no date-and-time format at all
(it falls back to the American "Dec. 6, 2027, 2:30 p.m."); the rest comes from Django.
"""

TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F، Y، H:i"
SHORT_DATETIME_FORMAT = "d\u200f/m\u200f/Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday, as the week runs in Germany
