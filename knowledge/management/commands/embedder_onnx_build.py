from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

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
        parser.add_argument("--sensitivity", action="store_true",
                            help="Instead of building, print how close the int8 encoder comes to fp32 with each "
                                 "weight MatMul left in fp32 in turn (a few minutes): how FP32_MATMULS was chosen.")
        parser.add_argument("--messages", type=int, default=None,
                            help="With --sensitivity: how many training messages to compare on (default 300).")

    def handle(self, *args, precision, for_default, sensitivity, messages, **options):
        if sensitivity:
            if precision or for_default:
                raise CommandError("--sensitivity builds nothing: leave out --precision and --for-default.")
            return self._sensitivity(messages)
        if messages is not None:
            raise CommandError("--messages goes with --sensitivity.")
        if for_default:
            embedder = get_embedder()
            if not isinstance(embedder, OnnxMiniLMEmbedder):
                self.stdout.write(f"EMBEDDERS['default'] is {embedder.name}, not an ONNX encoder: nothing to build.")
                return
            precision = [embedder.precision]
        for name in precision or PRECISIONS:
            path = onnx_model_build(precision=name, announce=self.stdout.write)
            self.stdout.write(f"{name}: {path} ({path.stat().st_size / 2**20:.0f} MiB)")

    def _sensitivity(self, messages):
        from knowledge.embedders.onnx import FP32_MATMULS
        from knowledge.embedders.onnx_sensitivity import SENSITIVITY_MESSAGES, int8_sensitivity, sensitivity_texts

        if messages is not None and messages < 1:
            raise CommandError("--messages must be at least 1.")
        texts = sensitivity_texts(messages or SENSITIVITY_MESSAGES)
        self.stdout.write(f"Quantising once per weight MatMul, compared with fp32 on {len(texts)} training messages "
                          "that did not calibrate the smoothing...")
        baseline, results = int8_sensitivity(texts=texts, progress=lambda nodes: tqdm(nodes, desc="MatMuls",
                                                                                         unit="MatMul"))
        self.stdout.write(f"every MatMul in int8: cosine mean {baseline.mean:.5f}, min {baseline.min:.5f}")
        self.stdout.write(f"{'left in fp32':<60} {'mean':>8} {'min':>8} {'gap closed':>11}")
        for result in results:
            kept = "  (kept in fp32)" if result.node in FP32_MATMULS else ""
            self.stdout.write(f"{result.node:<60} {result.fidelity.mean:8.5f} {result.fidelity.min:8.5f} "
                              f"{result.recovered:10.0%}{kept}")
