from django.core.management.base import BaseCommand

from knowledge.embedders import get_embedder
from knowledge.embedders.onnx import PRECISIONS, OnnxMiniLMEmbedder, onnx_model_build


class Command(BaseCommand):
    help = ("Export the packaged MiniLM to ONNX and quantise it to int8 under settings.ONNX_MODEL_DIR (once; "
            "the ONNX embedders otherwise do it on first use). Safe to run again.")

    def add_arguments(self, parser):
        parser.add_argument("--precision", choices=PRECISIONS, action="append",
                            help="Build only this precision (repeatable); both by default.")
        parser.add_argument("--for-default", action="store_true",
                            help="Build only what EMBEDDERS['default'] needs (nothing when it is not an ONNX encoder); "
                                 "`make run` does this before seeding the knowledge base.")

    def handle(self, *args, precision, for_default, **options):
        if for_default:
            embedder = get_embedder()
            if not isinstance(embedder, OnnxMiniLMEmbedder):
                self.stdout.write(f"EMBEDDERS['default'] is {embedder.name}, not an ONNX encoder: nothing to build.")
                return
            precision = [embedder.precision]
        for name in precision or PRECISIONS:
            path = onnx_model_build(precision=name, announce=self.stdout.write)
            self.stdout.write(f"{name}: {path} ({path.stat().st_size / 2**20:.0f} MiB)")
