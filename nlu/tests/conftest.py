import shutil

import pytest

from nlu.artifacts import nlu_model_train


@pytest.fixture(scope="session")
def trained_nlu(tmp_path_factory):
    """One model trained from the repository's data for the whole session, in a directory of its own."""
    return nlu_model_train(root=tmp_path_factory.mktemp("nlu-model"))


@pytest.fixture
def nlu_model_dir(settings, trained_nlu):
    settings.NLU_MODEL_DIR = trained_nlu.path.parent
    return trained_nlu.path.parent


def version_copy(loaded, root):
    """A copy of a trained version under `root`, made current: a model to start from without training one (~20 s)."""
    shutil.copytree(loaded.path, root / loaded.version)
    (root / "current").write_text(loaded.version + "\n")
    return loaded.version
