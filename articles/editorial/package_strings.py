"""Strings of the packages whose admin pages editors use (django-reversion,
django-reversion-compare, django-taggit, django-axes) that ship no Traditional
Chinese: listed here so that `makemessages` keeps them in the project's
catalogue (locale/zh_Hant), which translates them wherever they appear.
Django's own default admin header is renamed too. Never imported; only read
by makemessages."""

from django.utils.translation import gettext_noop

PACKAGE_STRINGS = [
    gettext_noop("Initial version."),
    gettext_noop("Reverted to previous version, saved on %(datetime)s"),
    gettext_noop("Could not load %(object_repr)s version - not found"),
    gettext_noop("Recover %(name)s"),
    gettext_noop("Revert %(name)s"),
    gettext_noop("Recover deleted %(name)s"),
    gettext_noop("Reversion"),
    gettext_noop("Could not save %(object_repr)s version - missing dependency."),
    gettext_noop("date created"),
    gettext_noop("user"),
    gettext_noop("comment"),
    gettext_noop("revision"),
    gettext_noop("revisions"),
    gettext_noop("Could not load %(object_repr)s version - incompatible version data."),
    gettext_noop(
        "Could not load %(object_repr)s version - unknown serializer %(format)s."
    ),
    gettext_noop("version"),
    gettext_noop("versions"),
    gettext_noop(
        "Choose a date from the list below to revert to a previous version of this object."
    ),
    gettext_noop("Date/time"),
    gettext_noop("User"),
    gettext_noop("Action"),
    gettext_noop(
        "This object doesn't have a change history. It probably wasn't added via this admin site."
    ),
    gettext_noop("Home"),
    gettext_noop("Press the save button below to recover this version of the object."),
    gettext_noop(
        "Choose a date from the list below to recover a deleted version of an object."
    ),
    gettext_noop("There are no deleted objects to recover."),
    gettext_noop("History"),
    gettext_noop("Revert %(verbose_name)s"),
    gettext_noop(
        "Press the save button below to revert to this version of the object."
    ),
    gettext_noop("Compare %(name)s"),
    gettext_noop("Field didn't exist!"),
    gettext_noop("compare"),
    gettext_noop("Comment"),
    gettext_noop(
        "\n                Compare <strong>%(date1)s</strong> with <strong>%(date2)s</strong>:\n            "
    ),
    gettext_noop("Go back to history list"),
    gettext_noop("Revert to this version"),
    gettext_noop("changed to:"),
    gettext_noop("time since that date:"),
    gettext_noop("add:"),
    gettext_noop("remove:"),
    gettext_noop("previous"),
    gettext_noop("next"),
    gettext_noop("There are no differences."),
    gettext_noop("Edit comment:"),
    gettext_noop("(no comment exists)"),
    gettext_noop("Note:"),
    gettext_noop(
        '\n        Fields/entries marked with <sup class="follow">*</sup> are not under reversion control.\n        It may be that not all marked information are correct.\n    '
    ),
    gettext_noop(
        "\n    This is the fallback compare, because the normal compare can't be applied\n    between the two selected version:\n    "
    ),
    gettext_noop("Revert to the old version will probably not work!"),
    gettext_noop("More info:"),
    gettext_noop("Taggit"),
    gettext_noop("Please provide a comma-separated list of tags."),
    gettext_noop("Tags"),
    gettext_noop("A comma-separated list of tags."),
    gettext_noop("content type"),
    gettext_noop("object ID"),
    gettext_noop("tagged item"),
    gettext_noop("tagged items"),
    gettext_noop('Expected a list of items but got type "{input_type}".'),
    gettext_noop(
        "Invalid json list. A tag list submitted in string form must be valid json."
    ),
    gettext_noop("All list items must be of string type."),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Account locked: too many login attempts. Please try again later."),
    gettext_noop(
        "Account locked: too many login attempts. Contact an admin to unlock your account."
    ),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Logout Time"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("Django administration"),
    gettext_noop("Django site admin"),
]
