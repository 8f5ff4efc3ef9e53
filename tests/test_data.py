"""Tests for cs231n_utils.data: the digits split, the spiral and the CIFAR-10 loader.

The CIFAR-10 tests write small files in CIFAR-10's own python pickle format into tmp_path.
"""
import pickle

import numpy as np
import pytest
from sklearn.datasets import load_digits as sk_load_digits

from cs231n_utils.data import CIFAR10_URL, load_cifar10, load_digits, make_spiral, split_indices

SPLITS = ("train", "val", "test")


# ----------------------------------------------------------------------------- digits

@pytest.fixture(scope="module")
def digits():
    return load_digits()


def test_digits_default_split_sizes(digits):
    sizes = [len(digits[f"y_{s}"]) for s in SPLITS]
    assert sizes == [1197, 300, 300]
    for s, n in zip(SPLITS, sizes):
        assert digits[f"X_{s}"].shape == (n, 64)
        assert digits[f"images_{s}"].shape == (n, 8, 8)
    assert digits["class_names"] == [str(c) for c in range(10)]


def test_digits_sizes_as_counts_and_fractions():
    data = load_digits(val_size=0.1, test_size=500)
    assert [len(data[f"y_{s}"]) for s in SPLITS] == [1797 - 180 - 500, 180, 500]


def test_digits_dtypes_and_ranges(digits):
    for s in SPLITS:
        X, y = digits[f"X_{s}"], digits[f"y_{s}"]
        assert X.dtype == np.float64 and y.dtype == np.int64
        assert X.min() >= 0.0 and X.max() <= 1.0
        assert set(np.unique(y)) == set(range(10))
    assert max(digits[f"X_{s}"].max() for s in SPLITS) == 1.0  # scaled by 16, not by 255
    data32 = load_digits(dtype=np.float32)
    assert data32["X_train"].dtype == np.float32 and data32["images_train"].dtype == np.float32


def test_digits_images_match_X_but_do_not_share_memory():
    data = load_digits()
    for s in SPLITS:
        np.testing.assert_array_equal(data[f"images_{s}"].reshape(-1, 64), data[f"X_{s}"])
    data["X_train"] -= 1.0  # zero-centering X in place must not change the images shown
    assert data["images_train"].min() >= 0.0


def test_digits_splits_are_disjoint_and_cover_the_data_set_with_right_labels(digits):
    sk = sk_load_digits()
    expected = np.column_stack([sk.data / 16.0, sk.target])
    got = np.vstack([np.column_stack([digits[f"X_{s}"], digits[f"y_{s}"]]) for s in SPLITS])
    # Equal as multisets of (pixels, label) rows: every example exactly once, label attached.
    np.testing.assert_array_equal(got[np.lexsort(got.T)], expected[np.lexsort(expected.T)])


def test_digits_split_is_deterministic_per_seed():
    a, b, c = load_digits(seed=3), load_digits(seed=3), load_digits(seed=4)
    for key in ("X_train", "y_val", "X_test"):
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(a["y_test"], c["y_test"])


def test_digits_split_is_stratified(digits):
    totals = np.bincount(sk_load_digits().target)
    for s in SPLITS:
        counts = np.bincount(digits[f"y_{s}"], minlength=10)
        expected = totals * len(digits[f"y_{s}"]) / totals.sum()
        assert np.all(np.abs(counts - expected) <= 1.5), (s, counts, expected)


def test_split_indices_partition():
    y = np.repeat(np.arange(4), [5, 10, 20, 65])
    train, val, test = split_indices(y, 10, 0.2, rng=np.random.default_rng(1))
    assert (len(train), len(val), len(test)) == (70, 10, 20)
    np.testing.assert_array_equal(np.sort(np.concatenate([train, val, test])), np.arange(100))
    train2, _, _ = split_indices(y, 10, 0.2, rng=np.random.default_rng(1), stratify=False)
    assert len(train2) == 70


@pytest.mark.parametrize("kwargs, name", [
    (dict(val_size=-1), "val_size"),
    (dict(test_size=1.5), "test_size"),
    (dict(val_size=1000, test_size=900), "val_size + test_size"),
    (dict(dtype=np.int32), "dtype"),
    (dict(dtype="not a dtype"), "dtype"),
    (dict(seed="zero"), "rng"),
])
def test_digits_bad_arguments_are_named(kwargs, name):
    with pytest.raises((TypeError, ValueError), match=name.replace("+", r"\+")):
        load_digits(**kwargs)


# ----------------------------------------------------------------------------- spiral

def test_spiral_shapes_classes_and_radius():
    X, y = make_spiral(num_per_class=50, num_classes=4)
    assert X.shape == (200, 2) and y.shape == (200,)
    assert X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [50] * 4)
    np.testing.assert_array_equal(y[:50], 0)
    assert np.all(np.linalg.norm(X, axis=1) <= 1.0 + 1e-12)


def test_spiral_without_noise_is_the_classic_formula():
    X, y = make_spiral(num_per_class=20, num_classes=3, noise=0.0)
    r = np.linspace(0, 1, 20)
    t = np.linspace(4.0, 8.0, 20)  # class 1
    np.testing.assert_allclose(X[20:40], np.column_stack([r * np.sin(t), r * np.cos(t)]))


def test_spiral_is_deterministic_per_seed_and_accepts_a_generator():
    a, _ = make_spiral(rng=5)
    b, _ = make_spiral(rng=np.random.default_rng(5))
    c, _ = make_spiral(rng=6)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("kwargs, name", [
    (dict(num_classes=0), "num_classes"), (dict(num_per_class=2.5), "num_per_class"),
    (dict(noise=-0.1), "noise"), (dict(rng="x"), "rng"),
])
def test_spiral_bad_arguments_are_named(kwargs, name):
    with pytest.raises((TypeError, ValueError), match=name):
        make_spiral(**kwargs)


# ----------------------------------------------------------------------------- CIFAR-10

N_PER_BATCH = 10
NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
PATTERN = (np.arange(32)[:, None] * 7 + np.arange(32)[None, :] * 3) % 256  # red channel, (h, w)


def _image(index):
    """Image number ``index`` as CIFAR-10 stores it: 3072 bytes, all red, then green, then blue."""
    chw = np.empty((3, 32, 32), dtype=np.uint8)
    chw[0] = PATTERN if index == 0 else index % 256
    chw[1] = 100
    chw[2] = index % 256
    return chw.reshape(-1)


def _write(path, obj):
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=2)  # as the originals: a dict with bytes keys


def write_cifar10(folder, batches=range(1, 6), test=True, meta=True):
    folder.mkdir(parents=True, exist_ok=True)
    for b in batches:
        idx = range((b - 1) * N_PER_BATCH, b * N_PER_BATCH)
        _write(folder / f"data_batch_{b}", {
            b"batch_label": f"training batch {b} of 5".encode(),
            b"labels": [i % 10 for i in idx],
            b"data": np.stack([_image(i) for i in idx]),
            b"filenames": [f"img_{i}.png".encode() for i in idx],
        })
    if test:
        _write(folder / "test_batch", {b"batch_label": b"testing batch 1 of 1",
                                       b"labels": [(i + 3) % 10 for i in range(N_PER_BATCH)],
                                       b"data": np.stack([_image(200 + i) for i in range(N_PER_BATCH)]),
                                       b"filenames": []})
    if meta:
        _write(folder / "batches.meta", {b"label_names": [n.encode() for n in NAMES],
                                         b"num_cases_per_batch": N_PER_BATCH, b"num_vis": 3072})
    return folder


def test_cifar10_missing_folder_says_what_to_put_where(tmp_path):
    folder = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError) as info:
        load_cifar10(folder)
    msg = str(info.value)
    for needle in (str(folder), "data_batch_1", "data_batch_5", "test_batch", "batches.meta",
                   CIFAR10_URL, "cifar-10-python.tar.gz", "CIFAR10_DIR"):
        assert needle in msg, needle


def test_cifar10_partial_folder_names_the_missing_files(tmp_path):
    folder = write_cifar10(tmp_path / "cifar", batches=[1, 2])
    with pytest.raises(FileNotFoundError) as info:
        load_cifar10(folder)
    msg = str(info.value)
    for name in ("data_batch_3", "data_batch_4", "data_batch_5"):
        assert name in msg
    for name in ("data_batch_1", "data_batch_2", "test_batch", "batches.meta"):
        assert name not in msg
    assert str(folder) in msg and CIFAR10_URL in msg


def test_cifar10_shapes_dtypes_split_and_names(tmp_path):
    data = load_cifar10(write_cifar10(tmp_path / "cifar"), num_validation=5)
    assert data["X_train"].shape == (45, 32, 32, 3) and data["X_train"].dtype == np.uint8
    assert data["X_val"].shape == (5, 32, 32, 3) and data["X_test"].shape == (10, 32, 32, 3)
    for key, n in (("y_train", 45), ("y_val", 5), ("y_test", 10)):
        assert data[key].shape == (n,) and data[key].dtype == np.int64
    np.testing.assert_array_equal(data["y_train"], np.arange(45) % 10)  # batches in order 1..5
    np.testing.assert_array_equal(data["y_val"], np.arange(45, 50) % 10)
    np.testing.assert_array_equal(data["X_val"][:, 0, 0, 2], np.arange(45, 50))  # blue = index
    np.testing.assert_array_equal(data["y_test"], (np.arange(10) + 3) % 10)
    assert data["class_names"] == NAMES


def test_cifar10_pixel_layout_round_trips(tmp_path):
    folder = write_cifar10(tmp_path / "cifar")
    X = load_cifar10(folder, num_validation=0)["X_train"]
    np.testing.assert_array_equal(X[0, :, :, 0], PATTERN)  # channel 0 of the file is red, (h, w)
    np.testing.assert_array_equal(X[0, :, :, 1], 100)
    np.testing.assert_array_equal(X[0, :, :, 2], 0)
    assert X[0, 1, 0, 0] == 7 and X[0, 0, 1, 0] == 3  # rows are height, columns width
    Xc = load_cifar10(folder, num_validation=0, channels_first=True)["X_train"]
    assert Xc.shape == (50, 3, 32, 32)
    np.testing.assert_array_equal(Xc[0, 0], PATTERN)
    np.testing.assert_array_equal(Xc.transpose(0, 2, 3, 1), X)


def test_cifar10_subsets_and_dtype(tmp_path):
    data = load_cifar10(write_cifar10(tmp_path / "cifar"), num_training=20, num_validation=10,
                        num_test=4, dtype=np.float32)
    assert data["X_train"].shape[0] == 20 and data["X_val"].shape[0] == 10
    assert data["X_test"].shape[0] == 4 and data["X_train"].dtype == np.float32
    assert data["X_train"].max() == 255.0  # cast, not rescaled
    np.testing.assert_array_equal(data["y_val"], np.arange(20, 30) % 10)


def test_cifar10_folder_from_environment_and_parent_folder(tmp_path, monkeypatch):
    write_cifar10(tmp_path / "cifar-10-batches-py")
    monkeypatch.setenv("CIFAR10_DIR", str(tmp_path / "cifar-10-batches-py"))
    assert load_cifar10(num_validation=0)["X_train"].shape[0] == 50
    # The folder the archive was extracted in also works.
    assert load_cifar10(tmp_path, num_validation=0)["X_test"].shape[0] == 10
    monkeypatch.setenv("CIFAR10_DIR", str(tmp_path / "elsewhere"))
    with pytest.raises(FileNotFoundError, match="CIFAR10_DIR"):
        load_cifar10()


def test_cifar10_too_many_validation_images_is_named(tmp_path):
    folder = write_cifar10(tmp_path / "cifar")
    with pytest.raises(ValueError, match="num_validation"):
        load_cifar10(folder)  # default 1000 > 50 images
    with pytest.raises(ValueError, match="num_training"):
        load_cifar10(folder, num_training=49, num_validation=5)


def test_cifar10_rejects_malformed_and_code_running_pickles(tmp_path):
    folder = write_cifar10(tmp_path / "cifar")
    _write(folder / "data_batch_3", {b"data": np.zeros((4, 100), np.uint8), b"labels": [0] * 4})
    with pytest.raises(ValueError, match="data_batch_3"):
        load_cifar10(folder, num_validation=0)

    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    _write(folder / "data_batch_3", {b"data": Evil(), b"labels": []})
    with pytest.raises(ValueError, match="data_batch_3"):
        load_cifar10(folder, num_validation=0)
    assert not marker.exists()
