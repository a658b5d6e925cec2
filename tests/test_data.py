"""grader.data: the shipped digits and photos, and CIFAR-10 read from tiny files in the real format."""
import pickle
import tarfile

import numpy as np
import pytest
import torch

from grader import data


# ---------------------------------------------------------------------------
# digits


def test_digits_shapes_dtype_and_range():
    X, y = data.load_digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.dtype == torch.get_default_dtype() and y.dtype == torch.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert set(y.tolist()) == set(range(10))
    X64, _ = data.load_digits(dtype=torch.float64)
    assert X64.dtype == torch.float64


def test_split_is_deterministic_and_disjoint():
    a = data.split_digits(seed=3)
    b = data.split_digits(seed=3)
    c = data.split_digits(seed=4)
    for u, v in zip(a, b):
        assert torch.equal(u, v)
    assert not torch.equal(a.y_train, c.y_train)
    assert len(a.X_train) + len(a.X_val) + len(a.X_test) == 1797
    assert len(a.X_val) == round(1797 * 0.2) == len(a.X_test)
    # disjoint: the three parts together are the full set, each (image, label) exactly
    # as often as there (the digits hold a few duplicate images, hence multisets)
    X, y = data.load_digits()
    rows = lambda X, y: sorted(tuple(r) + (lab,) for r, lab in zip(X.tolist(), y.tolist()))
    together = rows(torch.cat([a.X_train, a.X_val, a.X_test]), torch.cat([a.y_train, a.y_val, a.y_test]))
    assert together == rows(X, y)


def test_split_n_train_and_images():
    full = data.split_digits(seed=0)
    few = data.split_digits(seed=0, n_train=300, images=True)
    assert few.X_train.shape == (300, 1, 8, 8) and few.y_train.shape == (300,)
    assert few.X_val.shape == (len(full.X_val), 1, 8, 8)
    assert torch.equal(few.X_train.reshape(300, 64), full.X_train[:300])
    assert torch.equal(few.y_test, full.y_test)
    with pytest.raises(ValueError, match="n_train"):
        data.split_digits(n_train=5000)


# ---------------------------------------------------------------------------
# photos


@pytest.mark.parametrize("name", ["china", "flower"])
def test_photo_shape_and_range(name):
    photo = data.load_photo(name)
    assert photo.shape == (3, 427, 640) and photo.dtype == torch.get_default_dtype()
    assert 0.0 <= photo.min() and photo.max() <= 1.0
    assert photo.std() > 0.1  # a real picture, not a blank


def test_photo_size_sets_the_short_side():
    small = data.load_photo("china", size=64)
    assert small.shape == (3, 64, round(640 * 64 / 427))
    assert 0.0 <= small.min() and small.max() <= 1.0
    # a resize keeps the average colour
    assert torch.allclose(small.mean(dim=(1, 2)), data.load_photo("china").mean(dim=(1, 2)), atol=0.01)


def test_unknown_photo_is_a_clear_error():
    with pytest.raises(ValueError, match="china"):
        data.load_photo("mona_lisa")


# ---------------------------------------------------------------------------
# CIFAR-10 in the real "python version" format


def _tiny_images(n, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 3, 32, 32), dtype=np.uint8)


@pytest.fixture
def cifar_folder(tmp_path):
    """A ``cifar-10-batches-py`` folder with 5 training batches of 2 images and a test batch of 3."""
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    images, labels = {}, {}
    for i, name in enumerate([f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]):
        n = 3 if name == "test_batch" else 2
        images[name] = _tiny_images(n, seed=i)
        labels[name] = [(i + j) % 10 for j in range(n)]
        data.write_cifar10_batch(folder / name, images[name], labels[name], batch_label=name)
    return folder, images, labels


def test_written_batch_has_the_real_layout(cifar_folder):
    folder, images, labels = cifar_folder
    with open(folder / "data_batch_1", "rb") as f:
        batch = pickle.load(f, encoding="bytes")
    assert set(batch) == {b"batch_label", b"labels", b"data", b"filenames"}
    assert batch[b"data"].dtype == np.uint8 and batch[b"data"].shape == (2, 3072)
    assert batch[b"labels"] == labels["data_batch_1"]
    # channel-major rows: the first 1024 values are the red plane read row by row
    img = images["data_batch_1"][0]
    assert np.array_equal(batch[b"data"][0, :1024], img[0].ravel())
    assert batch[b"data"][0, 1024 + 32 * 5 + 7] == img[1, 5, 7]
    assert batch[b"data"][0, 2048 + 32 * 31 + 31] == img[2, 31, 31]


def _expected(images, labels, names):
    X = np.concatenate([images[n] for n in names]).astype(np.float64) / 255.0
    return torch.tensor(X, dtype=torch.get_default_dtype()), torch.tensor(sum((labels[n] for n in names), []))


TRAIN = [f"data_batch_{k}" for k in range(1, 6)]


def test_cifar_from_folder_round_trips_exact_pixels(cifar_folder):
    folder, images, labels = cifar_folder
    X, y = data.load_cifar10(folder)
    X_exp, y_exp = _expected(images, labels, TRAIN)
    assert X.shape == (10, 3, 32, 32) and y.dtype == torch.int64
    assert torch.equal(X, X_exp) and torch.equal(y, y_exp)
    assert np.array_equal((X * 255).round().to(torch.uint8).numpy(), np.concatenate([images[n] for n in TRAIN]))
    X_test, y_test = data.load_cifar10(folder, train=False, dtype=torch.float64)
    assert X_test.shape == (3, 3, 32, 32) and X_test.dtype == torch.float64
    assert y_test.tolist() == labels["test_batch"]


def test_cifar_from_parent_folder_and_limit(cifar_folder):
    folder, images, labels = cifar_folder
    X, y = data.load_cifar10(folder.parent, limit=3)
    X_exp, y_exp = _expected(images, labels, TRAIN)
    assert torch.equal(X, X_exp[:3]) and torch.equal(y, y_exp[:3])


def test_cifar_from_archive_without_extracting(cifar_folder, tmp_path):
    folder, images, labels = cifar_folder
    archive = tmp_path / "elsewhere" / "cifar-10-python.tar.gz"
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname="cifar-10-batches-py")
    before = sorted(p.name for p in archive.parent.iterdir())
    X, y = data.load_cifar10(archive, train=False)
    X_exp, y_exp = _expected(images, labels, ["test_batch"])
    assert torch.equal(X, X_exp) and torch.equal(y, y_exp)
    assert sorted(p.name for p in archive.parent.iterdir()) == before  # nothing extracted
    X_train, _ = data.load_cifar10(archive.parent)  # a folder holding the archive works too
    assert torch.equal(X_train, _expected(images, labels, TRAIN)[0])
    assert data.CIFAR10_CLASSES[int(y[0])] in data.CIFAR10_CLASSES and len(data.CIFAR10_CLASSES) == 10


def test_cifar_missing_files_name_what_was_expected(cifar_folder, tmp_path):
    folder, _, _ = cifar_folder
    (folder / "data_batch_4").unlink()
    with pytest.raises(FileNotFoundError, match="data_batch_4") as err:
        data.load_cifar10(folder)
    assert str(folder) in str(err.value)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="test_batch"):
        data.load_cifar10(empty, train=False)
