import shutil

import pytest


@pytest.fixture(autouse=True)
def learning_tmp_dirs(settings, tmp_path):
    """Nothing a learning test trains or exports lands in the real var/."""
    settings.LEARNING_MODEL_DIR = tmp_path / "models"
    settings.LEARNING_DATASET_DIR = tmp_path / "datasets"
    settings.LEARNING_FROZEN_EVAL_PATH = tmp_path / "datasets" / "frozen_eval.jsonl"
    settings.NLU_MODEL_DIR = tmp_path / "models" / "nlu"
    return tmp_path


@pytest.fixture(scope="session")
def shipped_nlu(tmp_path_factory):
    """One NLU model trained from the repository's data for the session (copied into each test that needs it)."""
    from nlu.artifacts import nlu_model_train

    return nlu_model_train(root=tmp_path_factory.mktemp("learning-nlu"))


@pytest.fixture
def nlu_dir(settings, shipped_nlu, learning_tmp_dirs):
    from nlu.artifacts import nlu_model_cache_clear

    root = settings.NLU_MODEL_DIR
    shutil.copytree(shipped_nlu.path.parent, root)
    nlu_model_cache_clear()
    yield root
    nlu_model_cache_clear()
