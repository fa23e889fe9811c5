"""The ONNX Runtime MiniLM (knowledge.embedders.onnx) against the PyTorch one it is exported from.

The exported files are built once under settings.ONNX_MODEL_DIR (var/models/onnx) and reused by later runs."""

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured

from agents.management.commands.bench_engine import NLU_TEXTS
from knowledge.embedders import get_embedder
from knowledge.embedders.onnx import OnnxMiniLMEmbedder, onnx_model_build

# A fixed set: customer messages of every kind the NLU sees (short, long, SMS spelling, spoken numbers, e-mail).
SENTENCES = [
    *NLU_TEXTS,  # the engine bench's messages, then messier ones
    "Saturday December 12th at 6pm, zip 94538",
    "and if we add 2 orders of gyoza?",
    "I'm Maria Lopez, maria@example.com",
    "what time does the chef arrive?",
    "cancel pls",
    "human",
    "thanks so much, the kids loved the onion volcano!",
    "Do you bring the grill and the propane or do we need to have something?",
    "We only have a small balcony, is that enough space?",
    "What's the deposit and is it refundable?",
    "my number is 510 555 0199, text me",
    "Can we upgrade half the group to filet mignon and lobster?",
    "Is gratuity included in the price?",
    "it rained and you still charged us, not happy",
    "Do you serve Fremont and San Jose?",
    "ok",
    "Need to move our booking from the 5th to the 12th",
    "how many chefs for 60 people",
    "Is there a minimum order for a weekday lunch?",
    "lol that's way too expensive for us",
]


@pytest.fixture(scope="module")
def pytorch_vectors():
    return get_embedder("local").embed(SENTENCES)


def cosines(vectors, reference):
    return np.sum(vectors * reference, axis=1)


def test_onnx_fp32_embeddings_match_pytorch(pytorch_vectors):
    vectors = get_embedder("onnx-fp32").embed(SENTENCES)
    assert vectors.shape == (len(SENTENCES), 384) and vectors.dtype == np.float32
    assert cosines(vectors, pytorch_vectors).min() >= 0.999


def test_onnx_int8_embeddings_stay_close_to_pytorch(pytorch_vectors, capsys):
    similarity = cosines(get_embedder("onnx-int8").embed(SENTENCES), pytorch_vectors)
    with capsys.disabled():
        print(f"\nint8 vs PyTorch cosine on {len(SENTENCES)} sentences: min {similarity.min():.4f}, "
              f"mean {similarity.mean():.4f}")
    # measured: mean 0.9989, min 0.9961 with SmoothQuant and two MatMuls in fp32 (v3); mean 0.998, min 0.995 with
    # SmoothQuant alone (v2); mean 0.993, min 0.974 without either
    assert similarity.mean() >= 0.998 and similarity.min() >= 0.993


def test_int8_keeps_the_chosen_matmuls_in_fp32_and_quantises_the_other_weight_matmuls():
    import onnx

    from knowledge.embedders.onnx import FP32_MATMULS

    graph = onnx.load(str(onnx_model_build(precision="int8"))).graph
    weights = {initializer.name for initializer in graph.initializer}
    float_weight_matmuls = {node.name for node in graph.node if node.op_type == "MatMul" and node.input[1] in weights}
    assert float_weight_matmuls == set(FP32_MATMULS) and len(FP32_MATMULS) == 2
    assert sum(node.op_type == "MatMulInteger" for node in graph.node) == 36 - len(FP32_MATMULS)


def test_the_sensitivity_ranks_a_feed_forward_output_above_a_query_projection():
    """How FP32_MATMULS was chosen (`embedder_onnx_build --sensitivity`), on a small sample: leaving layer 0's
    feed-forward output in fp32 closes a good share of the int8 encoder's gap to fp32, layer 5's query almost none."""
    from knowledge.embedders.onnx_sensitivity import int8_sensitivity, sensitivity_texts

    feed_forward = "/transformer/encoder/layer.0/output/dense/MatMul"
    query = "/transformer/encoder/layer.5/attention/self/query/MatMul"
    baseline, results = int8_sensitivity(texts=sensitivity_texts(60), nodes=[query, feed_forward])
    assert [result.node for result in results] == [feed_forward, query]
    assert results[0].fidelity.mean > baseline.mean and results[0].recovered > 0.15
    assert abs(results[1].recovered) < 0.1


def test_the_sensitivity_refuses_a_node_that_is_not_a_weight_matmul():
    from knowledge.embedders.onnx_sensitivity import int8_sensitivity

    with pytest.raises(ValueError, match="not a weight MatMul"):
        int8_sensitivity(texts=SENTENCES[:2], nodes=["/transformer/encoder/layer.0/attention/self/MatMul"])


@pytest.mark.parametrize("arguments, message", [
    (["--messages", "50"], "--messages goes with --sensitivity"),
    (["--sensitivity", "--messages", "0"], "--messages must be at least 1"),
    (["--sensitivity", "--precision", "int8"], "--sensitivity builds nothing"),
    (["--sensitivity", "--for-default"], "--sensitivity builds nothing"),
])
def test_the_build_command_refuses_a_bad_sensitivity_request(arguments, message):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match=message):
        call_command("embedder_onnx_build", *arguments)


def test_smoothing_keeps_the_fp32_network_s_function_and_moves_the_outliers_into_the_weights():
    """SmoothQuant rescales each quantised MatMul's input channels and the matching weight rows: before quantising,
    the smoothed fp32 graph must embed as the export does, with flatter activation ranges (what int8 gains from)."""
    import onnx
    import onnxruntime

    from knowledge.embedders.onnx import SMOOTHING_ALPHA, _channel_ranges, _smoothed

    source = onnx.load(str(onnx_model_build(precision="fp32")))
    texts = SENTENCES[:12]
    inputs = sorted({node.input[0] for node in source.graph.node if node.op_type == "MatMul"
                     and node.input[1] in {initializer.name for initializer in source.graph.initializer}})
    before = _channel_ranges(source, inputs, texts)
    smoothed = _smoothed(onnx.load(str(onnx_model_build(precision="fp32"))), alpha=SMOOTHING_ALPHA, texts=texts)
    onnx.checker.check_model(smoothed)
    after = _channel_ranges(smoothed, [f"{name}/smoothed" for name in inputs], texts)
    spread = [float(ranges.max() / np.median(ranges)) for ranges in before.values()]
    flattened = [float(ranges.max() / np.median(ranges)) for ranges in after.values()]
    assert len(inputs) == 24 and np.median(flattened) < np.median(spread) / 2

    session = onnxruntime.InferenceSession(smoothed.SerializeToString(), providers=["CPUExecutionProvider"])
    export = get_embedder("onnx-fp32")
    _, tokenizer = export._load()
    for text in texts:
        encoding = tokenizer.encode(text)
        feed = {key: np.array([values], dtype=np.int64) for key, values in (
            ("input_ids", encoding.ids), ("attention_mask", encoding.attention_mask),
            ("token_type_ids", encoding.type_ids))}
        assert float(session.run(None, feed)[0][0] @ export.embed([text])[0]) > 0.99999


def test_onnx_embeddings_are_unit_vectors_in_the_order_given():
    vectors = get_embedder("onnx-fp32").embed(SENTENCES)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    alone = get_embedder("onnx-fp32").embed([SENTENCES[9]])[0]  # the longest: sorted first inside embed
    assert float(vectors[9] @ alone) > 0.99999


def test_int8_embeds_a_text_the_same_alone_and_in_a_batch():
    embedder = get_embedder("onnx-int8")
    batch = embedder.embed(SENTENCES[:8])
    alone = np.vstack([embedder.embed([text]) for text in SENTENCES[:8]])
    assert np.array_equal(batch, alone)


def test_each_precision_is_a_differently_named_encoder():
    names = {get_embedder(alias).name for alias in ("local", "onnx-fp32", "onnx-int8")}
    assert len(names) == 3


def test_the_exported_files_are_built_once_and_reused(settings):
    path = onnx_model_build(precision="int8")
    built_at = path.stat().st_mtime_ns
    announced = []
    assert onnx_model_build(precision="int8", announce=announced.append) == path
    assert path.stat().st_mtime_ns == built_at and announced == []


def test_an_unknown_precision_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="precision"):
        OnnxMiniLMEmbedder(precision="int4")


def test_a_missing_file_is_built_with_a_message_and_no_leftovers(tmp_path):
    from knowledge.embedders.onnx import onnx_model_dir

    folder = onnx_model_dir(tmp_path)
    folder.mkdir(parents=True)
    (folder / "model-fp32.onnx").symlink_to(onnx_model_build(precision="fp32"))  # the export itself takes ~20 s
    announced = []
    path = onnx_model_build(precision="int8", directory=tmp_path, announce=announced.append)
    assert path == folder / "model-int8.onnx" and path.stat().st_size > 10_000_000
    assert len(announced) == 1 and announced[0].startswith("Quantising the ONNX MiniLM to int8")
    assert sorted(p.name for p in folder.iterdir()) == [".build.lock", "model-fp32.onnx", "model-int8.onnx"]


def test_the_build_command_reports_each_file(tmp_path, settings):
    from io import StringIO

    from django.core.management import call_command

    from knowledge.embedders.onnx import onnx_model_dir

    exported = onnx_model_build(precision="fp32")
    settings.ONNX_MODEL_DIR = tmp_path
    folder = onnx_model_dir(tmp_path)
    folder.mkdir(parents=True)
    (folder / "model-fp32.onnx").symlink_to(exported)
    out = StringIO()
    call_command("embedder_onnx_build", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == f"fp32: {folder / 'model-fp32.onnx'} (86 MiB)"
    assert lines[1].startswith("Quantising the ONNX MiniLM to int8") and lines[2].startswith("int8: ")


def test_the_build_command_builds_only_what_the_default_encoder_needs(tmp_path, settings):
    """`make run` calls it before seeding: the default (ONNX fp32) gets its file, and nothing else is built."""
    from io import StringIO

    from django.core.management import call_command

    from knowledge.embedders.onnx import onnx_model_dir

    exported = onnx_model_build(precision="fp32")
    settings.ONNX_MODEL_DIR = tmp_path
    settings.EMBEDDERS = {**settings.EMBEDDERS, "default": settings.LOCAL_EMBEDDERS["onnx-fp32"]}
    folder = onnx_model_dir(tmp_path)
    folder.mkdir(parents=True)
    (folder / "model-fp32.onnx").symlink_to(exported)
    out = StringIO()
    call_command("embedder_onnx_build", "--for-default", stdout=out)
    assert out.getvalue().splitlines() == [f"fp32: {folder / 'model-fp32.onnx'} (86 MiB)"]
    assert not (folder / "model-int8.onnx").exists()


def test_the_build_command_builds_nothing_for_the_pytorch_encoder(tmp_path, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.ONNX_MODEL_DIR = tmp_path
    settings.EMBEDDERS = {**settings.EMBEDDERS, "default": settings.LOCAL_EMBEDDERS["local"]}
    out = StringIO()
    call_command("embedder_onnx_build", "--for-default", stdout=out)
    assert out.getvalue().strip() == ("EMBEDDERS['default'] is all-MiniLM-L6-v2, not an ONNX encoder: nothing to "
                                      "build.")
    assert list(tmp_path.iterdir()) == []


def test_batches_run_on_several_threads_give_the_same_vectors_in_the_same_order():
    """Training and ingestion embed many texts: their batches run on `bulk_workers` threads at once (2x on 2 cores),
    and the result is bit for bit what one thread gives, in the order of the texts."""
    one = OnnxMiniLMEmbedder(precision="fp32", batch_size=4, bulk_workers=1).embed(SENTENCES)
    three = OnnxMiniLMEmbedder(precision="fp32", batch_size=4, bulk_workers=3).embed(SENTENCES)
    assert len(SENTENCES) > 4 * 3 and np.array_equal(one, three)
    alone = OnnxMiniLMEmbedder(precision="fp32", bulk_workers=3).embed([SENTENCES[7]])[0]
    assert float(alone @ three[7]) > 0.99999
