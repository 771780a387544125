"""Tag links carry their article's publication time, in a (tag, date) index:
a tag's page reads its newest articles without sorting all of them."""

from django.db import migrations, models


def copy_publication(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    TaggedArticle = apps.get_model("articles", "TaggedArticle")
    shown = Article.objects.filter(
        pk=models.OuterRef("content_object_id"), status="published"
    ).values("published_at")[:1]
    TaggedArticle.objects.update(published_at=models.Subquery(shown))


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_admin_list_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="taggedarticle",
            name="published_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(copy_publication, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="taggedarticle",
            index=models.Index(
                fields=["tag", "-published_at", "-content_object"],
                name="tagged_article_date_idx",
            ),
        ),
    ]
