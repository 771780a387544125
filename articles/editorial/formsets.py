"""Inline formsets that refuse, with a message, what the table would refuse
with an error page."""

from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext as _


class SavedSinceFormSet(BaseInlineFormSet):
    """An inline whose rows are unique by `unique_field` within their parent
    (a series' articles, a front's pins).

    Django checks that uniqueness among the forms posted, not against the
    rows saved since the form was opened (in another tab, by another editor):
    the table would then refuse the save with an IntegrityError. Here it is
    a form error naming what was added meanwhile.
    """

    unique_field = "article"

    def save_existing_objects(self, commit=True):
        """Rows that exchange what they hold (two entries swapping articles, a
        row taking the article of one taken out) would meet the table's
        unique rule half-way, saved one by one: those rows are taken out
        first, then written again under their own ids."""
        if commit:
            moving = [
                form
                for form in self.initial_forms
                if form.instance.pk is not None
                and not self._should_delete_form(form)
                and self.unique_field in form.changed_data
            ]
            if moving:
                leaving = [
                    form.instance.pk
                    for form in self.initial_forms
                    if form.instance.pk is not None and self._should_delete_form(form)
                ]
                self.model._default_manager.filter(
                    pk__in=[form.instance.pk for form in moving] + leaving
                ).delete()
        return super().save_existing_objects(commit)

    def clean(self):
        super().clean()
        if self.instance.pk is None:
            return
        chosen = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or data.get(self.unique_field) is None:
                continue
            chosen.add(data[self.unique_field].pk)
        if not chosen:
            return
        shown = [form.instance.pk for form in self.initial_forms if form.instance.pk]
        added = (
            self.model._default_manager.filter(
                **{self.fk.name: self.instance, f"{self.unique_field}__in": chosen}
            )
            .exclude(pk__in=shown)
            .select_related(self.unique_field)
        )
        if added:
            raise ValidationError(
                _(
                    "Added since you opened this form: %(names)s. "
                    "Open the page again to see what it holds now."
                )
                % {
                    "names": "、".join(
                        str(getattr(row, self.unique_field)) for row in added
                    )
                },
                code="saved_since",
            )
