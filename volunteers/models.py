"""Who can help. For now the skill catalogue; volunteers and their profiles join it later."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Skill(models.Model):
    """One kind of help a volunteer offers and a request asks for (e.g. interpreting)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_de = models.CharField(_("name (German)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive skills are kept for history.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language (German unless English is asked for)."""
        return self.name_en if (get_language() or "de").startswith("en") else self.name_de
