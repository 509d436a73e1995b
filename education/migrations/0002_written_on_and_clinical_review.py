from django.db import migrations, models


class Migration(migrations.Migration):
    """The old "last reviewed" date was the date each page was written: it is kept as
    written_on, and a clinical review (date and named reviewer) is recorded apart."""

    dependencies = [("education", "0001_initial")]

    operations = [
        # Sources are full citations now (authors, title, journal, year).
        migrations.AlterField(model_name="source", name="title", field=models.CharField(max_length=400)),
        migrations.RenameField(model_name="page", old_name="reviewed_on", new_name="written_on"),
        migrations.AlterField(
            model_name="page",
            name="written_on",
            field=models.DateField(verbose_name="written or last revised on"),
        ),
        migrations.AddField(
            model_name="page",
            name="clinical_review_on",
            field=models.DateField(blank=True, null=True, verbose_name="clinically reviewed on"),
        ),
        migrations.AddField(
            model_name="page",
            name="clinical_reviewer",
            field=models.CharField(
                blank=True, help_text="Name and role, e.g. 'Dr A Example, consultant neurologist'.", max_length=120
            ),
        ),
        migrations.AddConstraint(
            model_name="page",
            constraint=models.CheckConstraint(
                condition=models.Q(("clinical_review_on__isnull", True), ("clinical_reviewer", ""))
                | models.Q(("clinical_review_on__isnull", False), models.Q(("clinical_reviewer", ""), _negated=True)),
                name="education_page_clinical_review_names_date_and_reviewer",
            ),
        ),
    ]
