"""Reading and writing array files (``.npy``, ``.npz``) safely, with errors that name the file.

- :func:`read_arrays` refuses a missing path, a folder, an unreadable file, a file that is not
  an array file (text renamed ``.npz``, a truncated or empty archive) and arrays whose
  declared size exceeds a cap (an ``.npz`` of a few MiB can declare GiBs), each with a
  ``ValueError`` or ``FileNotFoundError`` naming the file, before reading any data.
- :func:`check_output_path` checks a destination before the work that produces it, and
  :func:`save_npz_atomic` writes a temporary file beside it and renames it into place, so a
  failed write (a full disk) never leaves a truncated file or loses the old one.
"""

from __future__ import annotations

import os
import tempfile
import zipfile

import numpy as np

#: Largest total size of the arrays in one file, in bytes, unless the caller allows more
#: (``max_bytes=``, or the environment variable ``PARTITION_MAX_ARRAY_BYTES``).
MAX_ARRAY_BYTES = 2 * 1024**3


def _cap(max_bytes: float | None) -> float:
    if max_bytes is not None:
        return float(max_bytes)
    return float(os.environ.get("PARTITION_MAX_ARRAY_BYTES", MAX_ARRAY_BYTES))


def _check_path(path: str, what: str) -> None:
    if not os.path.exists(path):
        raise FileNotFoundError(f"{what} not found: {path}")
    if os.path.isdir(path):
        raise ValueError(f"{path} is a folder, not a {what}")
    if not os.access(path, os.R_OK):
        raise ValueError(f"{path}: permission denied (cannot read the {what})")


def _too_big(path: str, n_bytes: int, cap: float) -> ValueError:
    return ValueError(
        f"{path} declares {n_bytes / 1024**2:,.0f} MiB of arrays, more than the limit of "
        f"{cap / 1024**2:,.0f} MiB; raise PARTITION_MAX_ARRAY_BYTES if the file is trusted"
    )


def read_arrays(
    path: str | os.PathLike, *, what: str = "file", max_bytes: float | None = None
) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` (by key) or an ``.npy`` (key ``""``), checked first.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> from partition._io import read_arrays
    >>> path = os.path.join(tempfile.mkdtemp(), "a.npz")
    >>> np.savez(path, x=np.arange(3))
    >>> read_arrays(path)["x"].tolist()
    [0, 1, 2]
    """
    path = os.fspath(path)
    _check_path(path, what)
    cap = _cap(max_bytes)
    try:
        if zipfile.is_zipfile(path):
            with np.load(path, allow_pickle=False) as npz:  # members are read on access
                declared = sum(info.file_size for info in npz.zip.infolist())
                if declared > cap:
                    raise _too_big(path, declared, cap)
                return {key: npz[key] for key in npz.files}
        with open(path, "rb") as fh:
            magic = fh.read(6)
        if magic != b"\x93NUMPY":
            raise ValueError(
                f"{path} is not a NumPy array file (.npy or .npz): it is text or another "
                "format, or it is empty"
            )
        header = np.load(path, mmap_mode="r", allow_pickle=False)
        if header.nbytes > cap:
            raise _too_big(path, header.nbytes, cap)
        return {"": np.array(header)}
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise ValueError(f"{path} is truncated or damaged ({type(exc).__name__}: {exc})") from None
    except ValueError as exc:
        if str(exc).startswith(path):
            raise
        raise ValueError(f"{path} could not be read as an array file: {exc}") from None


def check_output_path(path: str | os.PathLike, *, force: bool, what: str = "output") -> str:
    """Check ``path`` before the work that will write it: its folder exists and is writable,
    it is not a folder, and it does not exist unless ``force``."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise ValueError(f"{what} {path} is a folder; give a file name")
    if not os.path.isdir(folder):
        raise ValueError(f"{what} {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise ValueError(f"{what} {path}: the folder {folder} is not writable")
    if os.path.exists(path) and not force:
        raise ValueError(f"{what} {path} exists; pass --force to overwrite it")
    return path


def save_npz_atomic(path: str | os.PathLike, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` to ``path`` (``.npz``) through a temporary file and a rename."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".partition-", suffix=".npz.tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_model_arrays(path) -> tuple[str, dict]:
    """``(name, arrays)`` of a model ``.npz`` given by file name or open binary file, with
    the errors of :func:`read_arrays` (and a single ``.npy`` refused)."""
    import os
    import zipfile

    if hasattr(path, "read"):  # an open binary file
        name = getattr(path, "name", "<file>")
        try:
            with np.load(path, allow_pickle=False) as archive:
                arrays = {key: archive[key] for key in archive.files}
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
            raise ValueError(f"{name} is not a readable .npz model file: {exc}") from None
    else:
        name = os.fspath(path)
        arrays = read_arrays(name, what="model file")
    if "" in arrays:
        raise ValueError(f"{name} is a single .npy array, not an .npz model file")
    return name, arrays


def model_arrays(name: str, arrays: dict, keys: tuple[str, ...], what: str) -> dict:
    """The arrays under ``keys`` of a model file, or a ``ValueError`` naming the keys that
    ``name`` (``what``, e.g. "an RBM file") lacks and the ones it has."""
    missing = [k for k in keys if k not in arrays]
    if missing:
        raise ValueError(
            f"{name} lacks the key(s) {', '.join(missing)}; {what} needs {', '.join(keys)} "
            f"(found: {', '.join(arrays) or 'none'})"
        )
    return {k: arrays[k] for k in keys}
