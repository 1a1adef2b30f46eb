"""The skill catalogue the network starts with; coordinators extend it in the admin."""

from django.db import migrations

SKILLS = [
    ("interpreting", "Sprachmittlung", "Interpreting"),
    ("letters", "Briefe und Formulare", "Letters and forms"),
    ("accompaniment", "Begleitung zu Behörden", "Accompaniment to authorities"),
    ("bike-repair", "Fahrradreparatur", "Bike repair"),
    ("homework-help", "Hausaufgabenhilfe", "Homework help"),
    ("language-cafe", "Sprachcafé", "Language café"),
    ("childcare", "Kinderbetreuung", "Childcare"),
    ("sports", "Sport", "Sports"),
    ("it-help", "IT-Hilfe", "IT help"),
    ("moving-help", "Umzugshilfe", "Moving help"),
]


def add_skills(apps, schema_editor):
    Skill = apps.get_model("volunteers", "Skill")
    for position, (code, name_de, name_en) in enumerate(SKILLS):
        Skill.objects.update_or_create(
            code=code, defaults={"name_de": name_de, "name_en": name_en, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]

    operations = [migrations.RunPython(add_skills, migrations.RunPython.noop)]
