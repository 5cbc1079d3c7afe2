"""Versions of user-trained models, kept in a user data directory, and which one is current.

The layout under the registry's root::

    registry.json        {"current": "v2", "history": ["shipped", "v1"]}
    registry.lock        taken (flock) around every read-modify-write of registry.json
    models/v1/, v2/ …    model directories, each with its meta.json
    models/.staging-*    a model being written; never listed

The shipped model is the built-in version ``shipped`` and is never written. A version
exists once its directory is renamed into place with its meta.json inside, and
registry.json is only ever replaced whole, so a process killed at any moment leaves every
listed version loadable and the current one readable (or falls back to ``shipped``).

>>> registry = Registry(tmp_root)  # doctest: +SKIP
>>> with registry.staging() as staging:  # doctest: +SKIP
...     save_model(model, staging)
...     version = registry.commit(staging, parent=registry.current().name)
>>> registry.use(version.name).name  # doctest: +SKIP
'v1'
"""

import contextlib
import errno
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

# The module, not its names: model.py may import this one back (load_model resolves its
# directory here), and attributes read at call time make that cycle harmless.
from . import model as model_files
from .errors import RegistryError

HOME_ENV = "CALLBACK_ANALYZER_HOME"
APP_NAME = "callback-analyzer"
SHIPPED = "shipped"
STATE_FILE = "registry.json"
LOCK_FILE = "registry.lock"
MODELS_DIR = "models"
STAGING_PREFIX = ".staging-"
STATE_TEMP_PREFIX = ".registry-"
HISTORY_LIMIT = 100  # previous current versions kept for rollback
LIST_HINT = "see: callback-analyzer models list"

_VERSION_NAME = re.compile(r"v([1-9][0-9]*)")
# The pid that owns a staging directory or a temporary registry.json; save_model's own
# temporary siblings of a staging directory start with one more dot.
_STAGING_OWNER = re.compile(r"\.+staging-([0-9]+)-")
_STATE_TEMP_OWNER = re.compile(r"\.registry-([0-9]+)-")


def user_data_dir():
    """Where the registry lives: ``$CALLBACK_ANALYZER_HOME`` if set, else the platform's user data
    directory for callback-analyzer (``~/.local/share/callback-analyzer`` on Linux)."""
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home).expanduser()
    import platformdirs

    # appauthor=False: on Windows, no extra "callback-analyzer" level for the publisher.
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@dataclass
class ModelVersion:
    """One model the registry knows: ``shipped`` or a user-trained ``v1``, ``v2``, …"""

    name: str
    path: Path
    meta: dict = field(default_factory=dict)
    current: bool = False


def _version_number(name):
    match = _VERSION_NAME.fullmatch(name)
    return int(match.group(1)) if match else None


def _read_json(path):
    """The JSON object in ``path``, or None when it is missing, unreadable or not an object."""
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _fsync_directory(directory):
    """Make a rename inside ``directory`` durable; a no-op where directories cannot be opened."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _fsync_tree(directory):
    """Flush a staged model's files to disk before its directory is renamed into place."""
    for path in Path(directory).rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle, contextlib.suppress(OSError):
                os.fsync(handle.fileno())


def _pid_alive(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    except OSError:
        return False
    return True


class Registry:
    """The model versions under ``root`` (default: ``user_data_dir()``) and the current one."""

    def __init__(self, root=None):
        self.root = Path(root) if root is not None else user_data_dir()

    @property
    def models_dir(self):
        return self.root / MODELS_DIR

    @property
    def state_path(self):
        return self.root / STATE_FILE

    # -- reading ---------------------------------------------------------------------
    def versions(self):
        """Every version, ``shipped`` first, then ``v1``, ``v2``, … in order.

        A version is a directory named ``v<N>`` holding a readable meta.json; staging
        directories and anything else are ignored.
        """
        current = self.current().name
        found = [self._shipped(current)]
        if self.models_dir.is_dir():
            numbered = sorted((number, entry) for entry in self.models_dir.iterdir()
                              if (number := _version_number(entry.name)) is not None and entry.is_dir())
            for _, directory in numbered:
                meta = _read_json(directory / model_files.META_FILE)
                if meta is not None:
                    found.append(ModelVersion(directory.name, directory, meta, directory.name == current))
        return found

    def get(self, name):
        """The version called ``name``; RegistryError, listing the versions, when there is none."""
        versions = self.versions()
        for version in versions:
            if version.name == name:
                return version
        listing = ", ".join(f"{v.name} (current)" if v.current else v.name for v in versions)
        raise RegistryError(f"no model version {name!r}; the versions are: {listing}; {LIST_HINT}")

    def current(self):
        """The version ``classify`` and ``batch`` use: the one registry.json names, or ``shipped``
        when the file is missing or unreadable or names a version that is not there."""
        name = self._read_state()["current"]
        if name != SHIPPED:
            directory = self.models_dir / name
            meta = _read_json(directory / model_files.META_FILE)
            if meta is not None:
                return ModelVersion(name, directory, meta, current=True)
        return self._shipped(SHIPPED)

    # -- writing a new version -------------------------------------------------------
    @contextlib.contextmanager
    def staging(self):
        """An empty hidden directory under ``models/`` to save a model into, then ``commit``.

        On an exception the directory is removed; on a normal exit it is left for the caller.
        """
        self.models_dir.mkdir(parents=True, exist_ok=True)
        directory = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=self.models_dir))
        try:
            yield directory
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise

    def commit(self, staging_dir, *, parent=None):
        """Rename a staging directory holding a saved model into the next free ``v<N>``.

        ``version`` and ``parent`` are written into its meta.json first, so a version is
        complete the moment it appears. If another process takes ``v<N>`` meanwhile, the
        next number is tried. The new version is not made current; see ``use``.
        """
        staging_dir = Path(staging_dir)
        if (staging_dir.resolve().parent != self.models_dir.resolve()
                or not staging_dir.name.startswith(STAGING_PREFIX)):
            raise RegistryError(f"{staging_dir}: not a staging directory of {self.models_dir}; "
                                "save the model into the directory Registry.staging() gives")
        meta = _read_json(staging_dir / model_files.META_FILE)
        if meta is None:
            raise RegistryError(f"{staging_dir}: no readable {model_files.META_FILE}; "
                                "save a model into it before committing")
        self._check_files(staging_dir, meta)
        if parent is not None:
            parent = self.get(parent).name
        _fsync_tree(staging_dir)
        number = 1 + max((_version_number(v.name) or 0 for v in self.versions()), default=0)
        while True:
            name = f"v{number}"
            meta.update(version=name, parent=parent)
            self._write_meta(staging_dir / model_files.META_FILE, meta)
            try:
                os.rename(staging_dir, self.models_dir / name)
            except OSError as error:
                # Taken by a concurrent commit (or an odd leftover): the next number, then.
                if error.errno in (errno.EEXIST, errno.ENOTEMPTY) or (self.models_dir / name).exists():
                    number += 1
                    continue
                raise
            _fsync_directory(self.models_dir)
            directory = self.models_dir / name
            return ModelVersion(name, directory, meta, current=self.current().name == name)

    # -- choosing the current version -------------------------------------------------
    def use(self, name):
        """Make ``name`` current; the version it replaces goes on the history for ``rollback``."""
        with self._locked():
            version = self.get(name)
            state = self._read_state()
            previous = self.current().name
            if previous != version.name:
                state["history"] = (state["history"] + [previous])[-HISTORY_LIMIT:]
                state["current"] = version.name
                self._write_state(state)
        version.current = True
        return version

    def rollback(self):
        """Go back to the version that was current before the last ``use``; repeatable.

        Versions on the history that no longer exist are skipped. RegistryError when there
        is nothing to go back to.
        """
        with self._locked():
            state = self._read_state()
            history = list(state["history"])
            present = {version.name for version in self.versions()}
            current = self.current().name
            while history:
                name = history.pop()
                if name in present and name != current:
                    self._write_state({"current": name, "history": history})
                    return self.get(name)
            raise RegistryError(f"nothing to roll back to: the current version {current!r} "
                                f"has no earlier version recorded by 'use'; {LIST_HINT}")

    def clean_stale(self):
        """Remove staging directories (and temporary registry files) left by processes that
        are no longer running. Returns the paths removed."""
        removed = []
        for folder, owner in ((self.models_dir, _STAGING_OWNER), (self.root, _STATE_TEMP_OWNER)):
            if not folder.is_dir():
                continue
            for entry in folder.iterdir():
                match = owner.match(entry.name)
                if not match or _pid_alive(int(match.group(1))):
                    continue
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
                removed.append(entry)
        return removed

    # -- internals -------------------------------------------------------------------
    def _shipped(self, current):
        directory = model_files.default_model_dir()
        return ModelVersion(SHIPPED, directory, _read_json(directory / model_files.META_FILE) or {}, current == SHIPPED)

    def _read_state(self):
        """registry.json as ``{"current": str, "history": [str]}``; a fresh state when unreadable."""
        state = _read_json(self.state_path) or {}
        current = state.get("current")
        history = state.get("history")
        return {"current": current if isinstance(current, str) else SHIPPED,
                "history": [name for name in history if isinstance(name, str)] if isinstance(history, list) else []}

    def _write_state(self, state):
        """Replace registry.json whole: a temporary file in the same directory, fsync'd, renamed."""
        self.root.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=f"{STATE_TEMP_PREFIX}{os.getpid()}-", suffix=".tmp",
                                                 dir=self.root)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(state, indent=2) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.state_path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        _fsync_directory(self.root)

    @staticmethod
    def _write_meta(path, meta):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(meta, indent=2, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    @staticmethod
    def _check_files(directory, meta):
        """Refuse a model whose files do not match the sha256 map in its meta.json."""
        files = meta.get("files")
        if not isinstance(files, dict) or not files:
            raise RegistryError(f"{directory}: {model_files.META_FILE} has no 'files' map of sha256 digests; "
                                "save the model with analyzer.model.save_model")
        for name, expected in files.items():
            path = directory / name
            if not path.is_file() or model_files.sha256_file(path) != expected:
                raise RegistryError(f"{path}: missing or its sha256 differs from {model_files.META_FILE}; "
                                    "save the model again before committing")

    @contextlib.contextmanager
    def _locked(self):
        """An exclusive lock on registry.lock; without fcntl (Windows), no lock."""
        try:
            import fcntl
        except ImportError:
            yield
            return
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK_FILE, "a+") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def resolve_model_dir(path=None):
    """The model directory to load: ``path`` when given, else the registry's current version
    (the shipped model when there is no registry).

    >>> resolve_model_dir("my-model").name
    'my-model'
    """
    if path is not None:
        return Path(path)
    return Registry().current().path
