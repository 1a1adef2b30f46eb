from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Skill",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.SlugField(max_length=40, unique=True, verbose_name="code")),
                ("name_de", models.CharField(max_length=80, verbose_name="name (German)")),
                ("name_en", models.CharField(max_length=80, verbose_name="name (English)")),
                (
                    "is_active",
                    models.BooleanField(
                        default=True,
                        help_text="Inactive skills are kept for history.",
                        verbose_name="active",
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="position")),
            ],
            options={
                "verbose_name": "skill",
                "verbose_name_plural": "skills",
                "ordering": ["position", "code"],
            },
        ),
    ]
