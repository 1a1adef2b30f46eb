"""Messages of Django and Django REST framework whose German catalogues say "du".

Lotse addresses everyone with "Sie". These messages come from the libraries' own catalogues
("Gib eine gültige E-Mail Adresse an."); marked here, they are extracted into Lotse's catalogue,
which Django consults before the libraries' (LOCALE_PATHS come first), and the German there
says "Sie". `tests/test_forms_of_address.py` scans every catalogue in use and names any
message that still says "du".
"""

from django.utils.translation import gettext_noop

DU_MESSAGES = (
    # Django's validators and form fields (django/conf/locale/de)
    gettext_noop("Enter a valid email address."),
    gettext_noop("Enter a valid URL."),
    gettext_noop('Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.'),
    gettext_noop(
        'Enter a valid "slug" consisting of Unicode letters, numbers, underscores, or hyphens.'
    ),
    gettext_noop(
        "Upload a valid image. The file you uploaded was either not an image or a corrupted image."
    ),
    # Django REST framework's fields (rest_framework/locale/de)
    gettext_noop("Date has wrong format. Use one of these formats instead: {format}."),
    gettext_noop("Datetime has wrong format. Use one of these formats instead: {format}."),
    gettext_noop("Duration has wrong format. Use one of these formats instead: {format}."),
    gettext_noop("Time has wrong format. Use one of these formats instead: {format}."),
    gettext_noop("Ensure that there are no more than {max_decimal_places} decimal places."),
    gettext_noop("Ensure that there are no more than {max_digits} digits in total."),
    gettext_noop(
        "Ensure that there are no more than {max_whole_digits} digits before the decimal point."
    ),
    gettext_noop("Ensure this field has at least {min_length} characters."),
    gettext_noop("Ensure this field has no more than {max_length} characters."),
    gettext_noop("Ensure this filename has at most {max_length} characters (it has {length})."),
    gettext_noop("Ensure this value is greater than or equal to {min_value}."),
    gettext_noop("Ensure this value is less than or equal to {max_value}."),
    gettext_noop("The submitted data was not a file. Check the encoding type on the form."),
)
