"""`manage.py train_matching`: learn P(accept) from the offers' history, if there is enough."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from matching import model
from matching.conf import matching_settings
from matching.training import NotEnoughHistory, train_from_history


class Command(BaseCommand):
    help = (
        "Train the acceptance model on accepted, declined and expired offers, evaluate it on the "
        "latest offers against the transparent prior, and save it with its metrics. Ranking uses "
        "the newest saved model only if it beat the prior."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Train and evaluate, but save nothing (ranking stays as it is).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            trained = train_from_history(save=not options["dry_run"])
        except NotEnoughHistory as shortage:
            self.stdout.write(
                f"Not enough history to learn from yet: {shortage} "
                f"(MATCHING_MODEL_MIN_OFFERS = {matching_settings().model_min_offers})."
            )
            self.stdout.write(
                "Nothing was saved. Ranking goes on as before: with the transparent prior, "
                "unless an earlier model beat it."
            )
            return
        history, evaluation = trained.history, trained.evaluation
        self.stdout.write(
            f"History: {evaluation.offers:,} decided offers with features, "
            f"{evaluation.accepted:,} accepted ({evaluation.accepted / evaluation.offers:.1%})"
            + (
                f"; {history.skipped:,} without stored features left out."
                if history.skipped
                else "."
            )
        )
        since = f"{evaluation.holdout_from:%Y-%m-%d %H:%M %Z}"
        self.stdout.write(
            f"Hold-out: the latest {matching_settings().model_holdout_share:.0%} by time, "
            f"{evaluation.holdout_offers:,} offers from {since}; "
            f"trained on the {evaluation.train_offers:,} before them.\n"
        )
        for line in model.evaluation_table(evaluation):
            self.stdout.write(f"  {line}")
        self.stdout.write("")
        self.stdout.write(model.verdict(evaluation))
        if trained.path is None:
            self.stdout.write("Dry run: nothing saved.")
            return
        self.stdout.write(
            f"Saved model {trained.model.version} (refit on all {evaluation.offers:,} offers) to "
            f"{trained.path}, its metrics to {trained.path.with_suffix('.json').name}."
        )
        if evaluation.beats_prior:
            self.stdout.write(self.style.SUCCESS("Ranking uses this model from now on."))
        else:
            self.stdout.write(
                self.style.WARNING(
                    "Ranking uses the transparent prior: the newest model decides, and it did "
                    "not beat the prior."
                )
            )
