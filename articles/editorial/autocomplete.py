"""The admin's autocomplete fields, safe with a value that names no row.

Django's AutocompleteSelect looks the posted value up to draw the form again
with its error: a value its column cannot hold (`lead=abc`) raised a
ValueError there, a 500 instead of "select a valid choice". Here such a value
is left out of the drawing; the field's own validation still refuses it.
"""

from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError


class SafeAutocompleteSelect(AutocompleteSelect):
    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        column = remote.model._meta.get_field(remote.field_name)
        kept = []
        for item in value:
            try:  # a value the column can hold: of its type, in its range
                column.run_validators(column.to_python(item))
            except ValidationError:
                continue
            kept.append(item)
        return super().optgroups(name, kept, attr)


class SafeAutocomplete:
    """Mixed into a ModelAdmin or an inline with autocomplete_fields."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(
            request
        ):
            kwargs["widget"] = SafeAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
