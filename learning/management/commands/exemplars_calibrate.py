"""Calibrate the correction memory's similarity threshold on held-out pairs (see learning.services.exemplar_calibration)."""

from django.core.management.base import BaseCommand

from learning.services.exemplar_calibration import exemplars_calibrate


class Command(BaseCommand):
    help = "Choose LEARNING_EXEMPLAR_THRESHOLD on the calibration pairs and report its false-match rate on held-out ones."

    def add_arguments(self, parser):
        parser.add_argument("--target", type=float, default=None,
                            help="Highest false-match rate allowed (default LEARNING_EXEMPLAR_FALSE_MATCH_TARGET).")

    def handle(self, *args, target, **options):
        result = exemplars_calibrate(target=target)
        chosen, configured = result.heldout["chosen"], result.heldout["configured"]
        self.stdout.write(f"Embedder {result.embedder}; {result.details['calibration_pairs']} calibration pairs, "
                          f"{result.details['heldout_pairs']} held-out pairs.")
        self.stdout.write(f"Chosen threshold {result.threshold:.3f} (false-match rate <= "
                          f"{result.target_false_match_rate:.3f} on the calibration pairs).")
        for label, rates in (("chosen", chosen), ("configured", configured)):
            self.stdout.write(f"Held out, {label} threshold {rates['threshold']:.3f}: false-match rate "
                              f"{rates['false_match_rate']:.3f} ({rates['false_matches']}/{rates['negatives']}), "
                              f"recall {rates['recall']:.3f} ({rates['true_matches']}/{rates['positives']}).")
        cosine = result.details["cosine_only"]
        self.stdout.write(f"Held out, cosine alone (no second look), its threshold {cosine['threshold']:.3f}: false-match "
                          f"rate {cosine['false_match_rate']:.3f} ({cosine['false_matches']}/{cosine['negatives']}), "
                          f"recall {cosine['recall']:.3f} ({cosine['true_matches']}/{cosine['positives']}).")
        self.stdout.write("Closest different questions the second look lets through: " + "; ".join(
            f"{row['similarity']:.3f} {row['a']!r} / {row['b']!r}" for row in result.details["hardest_negatives"]))
        if abs(result.threshold - result.configured_threshold) > 0.0005:
            self.stdout.write(self.style.WARNING(
                f"LEARNING_EXEMPLAR_THRESHOLD is {result.configured_threshold:.3f}; the calibrated value is "
                f"{result.threshold:.3f}."))

