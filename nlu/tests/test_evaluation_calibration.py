import pytest

from nlu.evaluation import expected_calibration_error


def test_calibrated_confidences_have_no_calibration_error():
    # 10 answers at 0.8 confidence, 8 of them right
    assert expected_calibration_error([0.8] * 10, [True] * 8 + [False] * 2) == pytest.approx(0.0)


def test_overconfident_answers_have_a_calibration_error():
    # 0.9 confident but right half the time: |0.5 - 0.9| = 0.4
    assert expected_calibration_error([0.9] * 4, [True, False, True, False]) == pytest.approx(0.4)


def test_bins_are_weighted_by_their_size():
    # 2 answers at 0.35 (both wrong: gap 0.35), 6 at 0.95 (all right: gap 0.05) -> 2/8 x 0.35 + 6/8 x 0.05
    confidences = [0.35, 0.35] + [0.95] * 6
    correct = [False, False] + [True] * 6
    assert expected_calibration_error(confidences, correct) == pytest.approx(0.125)
