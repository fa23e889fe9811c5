from django.core.management.base import BaseCommand

from knowledge.embedders.onnx import PRECISIONS, onnx_model_build


class Command(BaseCommand):
    help = ("Export the packaged MiniLM to ONNX and quantise it to int8 under settings.ONNX_MODEL_DIR (once; "
            "the ONNX embedders otherwise do it on first use). Safe to run again.")

    def add_arguments(self, parser):
        parser.add_argument("--precision", choices=PRECISIONS, action="append",
                            help="Build only this precision (repeatable); both by default.")

    def handle(self, *args, precision, **options):
        for name in precision or PRECISIONS:
            path = onnx_model_build(precision=name, announce=self.stdout.write)
            self.stdout.write(f"{name}: {path} ({path.stat().st_size / 2**20:.0f} MiB)")
