"""Offline data for the course: nothing here downloads anything.

- the 8x8 handwritten digits that scikit-learn ships (1,797 images, 10 classes);
- two real photographs that scikit-learn ships (``china`` and ``flower``);
- a reader for CIFAR-10's "python version" for users who already have the files,
  and a writer of one batch file in that exact format (tests and demos use it).

Every loader returns torch tensors: floats in ``[0, 1]`` in
``torch.get_default_dtype()`` unless ``dtype`` says otherwise, labels as int64,
on the CPU unless ``device`` says otherwise.
"""
from __future__ import annotations

import io
import os
import pickle
import tarfile
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

from grader.device import make_generator

__all__ = [
    "CIFAR10_CLASSES",
    "Split",
    "load_cifar10",
    "load_digits",
    "load_photo",
    "split_digits",
    "write_cifar10_batch",
]

CIFAR10_CLASSES: tuple[str, ...] = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)

_PHOTOS = {"china": "china.jpg", "flower": "flower.jpg"}
_CIFAR_FOLDER = "cifar-10-batches-py"
_CIFAR_ARCHIVE = "cifar-10-python.tar.gz"
_CIFAR_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
_CIFAR_TEST = ("test_batch",)


def _float_tensor(array: np.ndarray, device, dtype) -> torch.Tensor:
    dtype = dtype if dtype is not None else torch.get_default_dtype()
    return torch.as_tensor(array).to(device=device or "cpu", dtype=dtype)


# ---------------------------------------------------------------------------
# digits


def load_digits(*, device=None, dtype=None) -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's digits: ``X (1797, 64)`` floats in [0, 1], ``y (1797,)`` int64.

    Each row is an 8x8 image read row by row; the raw pixels are integers 0..16,
    so ``X = pixels / 16``.
    """
    from sklearn.datasets import load_digits as _sk_load_digits  # slow import: only when used

    bunch = _sk_load_digits()
    X = _float_tensor(bunch.data / 16.0, device, dtype)
    y = torch.as_tensor(bunch.target, dtype=torch.int64, device=device or "cpu")
    return X, y


class Split(NamedTuple):
    """Three disjoint parts of one data set."""

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_val: torch.Tensor
    y_val: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor


def split_digits(
    *,
    seed: int = 0,
    n_train: int | None = None,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    images: bool = False,
    device=None,
    dtype=None,
) -> Split:
    """The digits shuffled by ``seed`` and cut into train / validation / test.

    One permutation from a CPU ``torch.Generator`` seeded with ``seed`` orders the
    1,797 examples; the first ``round(1797 * test_fraction)`` are the test set, the
    next ``round(1797 * val_fraction)`` the validation set, the rest the training
    set, so the parts are disjoint and the same seed always gives the same split.
    ``n_train`` keeps only the first ``n_train`` training examples.
    ``images=True`` returns each ``X`` as ``(N, 1, 8, 8)`` instead of ``(N, 64)``.
    """
    if not (0 <= val_fraction < 1 and 0 <= test_fraction < 1 and val_fraction + test_fraction < 1):
        raise ValueError(f"val_fraction={val_fraction}, test_fraction={test_fraction}: "
                         "each must be in [0, 1) and their sum below 1")
    X, y = load_digits(dtype=dtype)
    n = X.shape[0]
    order = torch.randperm(n, generator=make_generator(seed))
    n_test = round(n * test_fraction)
    n_val = round(n * val_fraction)
    test, val, train = order[:n_test], order[n_test:n_test + n_val], order[n_test + n_val:]
    if n_train is not None:
        if not 0 < n_train <= len(train):
            raise ValueError(f"n_train={n_train}: expected 1..{len(train)} for these fractions")
        train = train[:n_train]
    if images:
        X = X.reshape(n, 1, 8, 8)
    parts = []
    for idx in (train, val, test):
        parts += [X[idx].to(device or "cpu"), y[idx].to(device or "cpu")]
    return Split(*parts)


# ---------------------------------------------------------------------------
# photographs


def load_photo(name: str = "china", *, size: int | None = None, device=None, dtype=None) -> torch.Tensor:
    """A real photograph shipped with scikit-learn as ``(3, H, W)`` floats in [0, 1].

    ``name`` is ``"china"`` or ``"flower"`` (both 427 x 640). With ``size`` the
    image is resized (bilinear, antialiased) so that its short side is ``size``.
    """
    key = name.removesuffix(".jpg")
    if key not in _PHOTOS:
        raise ValueError(f"unknown photo {name!r}: expected one of {', '.join(map(repr, _PHOTOS))}")
    from sklearn.datasets import load_sample_image

    pixels = load_sample_image(_PHOTOS[key])  # (H, W, 3) uint8
    photo = torch.from_numpy(np.array(pixels)).permute(2, 0, 1)  # a writable copy
    photo = photo.to(dtype=dtype if dtype is not None else torch.get_default_dtype()) / 255.0
    if size is not None:
        h, w = photo.shape[1:]
        scale = size / min(h, w)
        new_hw = (size, round(w * scale)) if h <= w else (round(h * scale), size)
        photo = F.interpolate(photo[None], size=new_hw, mode="bilinear",
                              antialias=True, align_corners=False)[0]
        photo = photo.clamp(0.0, 1.0)  # bilinear with antialias can overshoot slightly
    return photo.to(device or "cpu")


# ---------------------------------------------------------------------------
# CIFAR-10, python version


def write_cifar10_batch(path, images_uint8: np.ndarray, labels, batch_label: str = "tiny batch") -> None:
    """Write one CIFAR-10 batch file in the real "python version" format.

    ``images_uint8`` is ``(N, 3, 32, 32)`` uint8. The file is a pickled dict with
    ``b"data"`` ``(N, 3072)`` uint8 (each row: the 1024 red values row by row, then
    green, then blue), ``b"labels"`` a list of ints, ``b"batch_label"`` and
    ``b"filenames"`` bytes, which is what the real files give when read with
    ``pickle.load(f, encoding="bytes")``.
    """
    images = np.asarray(images_uint8)
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1:] != (3, 32, 32):
        raise ValueError(f"images_uint8: expected uint8 (N, 3, 32, 32), got {images.dtype} {images.shape}")
    labels = [int(v) for v in labels]
    if len(labels) != len(images):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    batch = {
        b"batch_label": batch_label.encode(),
        b"labels": labels,
        b"data": images.reshape(len(images), 3 * 32 * 32),  # C-order reshape = channel-major rows
        b"filenames": [f"image_{i:05d}.png".encode() for i in range(len(images))],
    }
    with open(path, "wb") as f:
        pickle.dump(batch, f, protocol=2)


def _read_batch(f) -> tuple[np.ndarray, np.ndarray]:
    batch = pickle.load(f, encoding="bytes")
    data = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
    return data, np.asarray(batch[b"labels"], dtype=np.int64)


def _missing(names, where) -> FileNotFoundError:
    return FileNotFoundError(
        f"CIFAR-10 files not found: expected {', '.join(names)} in {where}. "
        f"Pass the folder {_CIFAR_FOLDER!r}, a folder that contains it, or the archive "
        f"{_CIFAR_ARCHIVE!r} (download it yourself from https://www.cs.toronto.edu/~kriz/cifar.html)."
    )


def _batches_from_tar(archive: Path, names, limit):
    with tarfile.open(archive, "r:*") as tar:
        members = {Path(m.name).name: m for m in tar.getmembers() if m.isfile()}
        absent = [n for n in names if n not in members]
        if absent:
            raise _missing(absent, f"the archive {archive}")
        count = 0
        for name in names:
            if limit is not None and count >= limit:
                break
            # read the member straight from the archive: nothing is extracted to disk
            data, labels = _read_batch(io.BytesIO(tar.extractfile(members[name]).read()))
            count += len(labels)
            yield data, labels


def _batches_from_folder(folder: Path, names, limit):
    absent = [n for n in names if not (folder / n).is_file()]
    if absent:
        raise _missing(absent, f"the folder {folder}")
    count = 0
    for name in names:
        if limit is not None and count >= limit:
            break
        with open(folder / name, "rb") as f:
            data, labels = _read_batch(f)
        count += len(labels)
        yield data, labels


def load_cifar10(root, *, train: bool = True, limit: int | None = None,
                 device=None, dtype=None) -> tuple[torch.Tensor, torch.Tensor]:
    """CIFAR-10 images ``(N, 3, 32, 32)`` floats in [0, 1] and labels ``(N,)`` int64.

    ``root`` is the folder ``cifar-10-batches-py``, a folder containing it (or
    containing ``cifar-10-python.tar.gz``), or the archive itself, read in place.
    ``train`` picks ``data_batch_1`` .. ``data_batch_5`` (50,000 images) or
    ``test_batch`` (10,000). ``limit`` keeps the first ``limit`` examples.
    Class names are ``CIFAR10_CLASSES[label]``.
    """
    root = Path(os.fspath(root)).expanduser()
    names = _CIFAR_TRAIN if train else _CIFAR_TEST
    if root.is_file():
        batches = _batches_from_tar(root, names, limit)
    elif (root / names[0]).exists():
        batches = _batches_from_folder(root, names, limit)
    elif (root / _CIFAR_FOLDER).is_dir():
        batches = _batches_from_folder(root / _CIFAR_FOLDER, names, limit)
    elif (root / _CIFAR_ARCHIVE).is_file():
        batches = _batches_from_tar(root / _CIFAR_ARCHIVE, names, limit)
    else:
        raise _missing(names, f"{root} (nor in {root / _CIFAR_FOLDER}, nor in {root / _CIFAR_ARCHIVE})")
    parts = list(batches)
    data = np.concatenate([d for d, _ in parts])
    labels = np.concatenate([lab for _, lab in parts])
    if limit is not None:
        data, labels = data[:limit], labels[:limit]
    images = _float_tensor(data, device, dtype) / 255.0
    return images, torch.as_tensor(labels, dtype=torch.int64, device=device or "cpu")
