import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.errors import RegistryError
from analyzer.model import META_FILE, MODEL_FILE, default_model_dir, load_model, sha256_file
from analyzer.registry import HOME_ENV, Registry, resolve_model_dir, user_data_dir


@pytest.fixture
def registry(tmp_path):
    return Registry(tmp_path / "home")


def commit_copy(registry, model_dir, **options):
    """Stage a copy of a saved model and commit it, as the training flow does."""
    with registry.staging() as staging:
        shutil.copytree(model_dir, staging, dirs_exist_ok=True)
        return registry.commit(staging, **options)


def names(registry):
    return [version.name for version in registry.versions()]


def test_registry_fresh_lists_only_shipped_and_it_is_current(registry):
    versions = registry.versions()
    assert [(v.name, v.current) for v in versions] == [("shipped", True)]
    assert versions[0].path == default_model_dir()
    assert registry.current().name == "shipped"
    assert not registry.root.exists()


def test_registry_commit_numbers_versions_and_records_parent(registry, small_model_dir):
    first = commit_copy(registry, small_model_dir)
    second = commit_copy(registry, small_model_dir, parent="v1")
    assert (first.name, second.name) == ("v1", "v2")
    assert names(registry) == ["shipped", "v1", "v2"]
    assert second.path == registry.root / "models" / "v2"
    for version, parent in ((first, None), (second, "v1")):
        meta = json.loads((version.path / META_FILE).read_text())
        assert (meta["version"], meta["parent"]) == (version.name, parent)
        assert meta["files"][MODEL_FILE] == sha256_file(version.path / MODEL_FILE)
        assert load_model(version.path).info["version"] == version.name
    assert registry.current().name == "shipped"  # committing does not switch


def test_registry_commit_with_unknown_parent_is_refused(registry, small_model_dir):
    with pytest.raises(RegistryError, match="'v9'"):
        commit_copy(registry, small_model_dir, parent="v9")
    assert names(registry) == ["shipped"]


def test_registry_commit_refuses_a_model_whose_files_do_not_match(registry, small_model_dir):
    with pytest.raises(RegistryError, match="sha256"):
        with registry.staging() as staging:
            shutil.copytree(small_model_dir, staging, dirs_exist_ok=True)
            (staging / MODEL_FILE).write_bytes(b"not a model")
            registry.commit(staging)
    assert names(registry) == ["shipped"]


def test_registry_use_and_rollback_walk_back_through_history(registry, small_model_dir):
    commit_copy(registry, small_model_dir)
    commit_copy(registry, small_model_dir, parent="v1")
    assert registry.use("v1").current
    assert registry.use("v2").name == "v2"
    assert registry.current().name == "v2"
    assert [v.name for v in registry.versions() if v.current] == ["v2"]
    assert registry.rollback().name == "v1"
    assert registry.current().name == "v1"
    assert registry.rollback().name == "shipped"
    assert registry.current().path == default_model_dir()
    with pytest.raises(RegistryError, match="nothing to roll back to"):
        registry.rollback()


def test_registry_rollback_on_a_fresh_registry_errors(registry):
    with pytest.raises(RegistryError, match="callback-analyzer models list"):
        registry.rollback()


def test_registry_use_of_an_unknown_version_lists_the_versions(registry, small_model_dir):
    commit_copy(registry, small_model_dir)
    with pytest.raises(RegistryError) as caught:
        registry.use("v7")
    message = str(caught.value)
    assert "'v7'" in message and "shipped (current), v1" in message
    assert message.endswith("see: callback-analyzer models list")
    assert registry.current().name == "shipped"


@pytest.mark.parametrize("content", ["{not json", "[]", '{"current": 3}', '{"current": "v5", "history": []}', ""])
def test_registry_unreadable_state_falls_back_to_shipped(registry, small_model_dir, content):
    commit_copy(registry, small_model_dir)
    registry.use("v1")
    (registry.root / "registry.json").write_text(content)
    assert registry.current().name == "shipped"
    assert names(registry) == ["shipped", "v1"]
    assert registry.use("v1").name == "v1"  # and the registry can be written again


def test_registry_current_falls_back_when_its_version_disappears(registry, small_model_dir):
    commit_copy(registry, small_model_dir)
    registry.use("v1")
    shutil.rmtree(registry.root / "models" / "v1")
    assert registry.current().name == "shipped"


def test_registry_state_file_is_replaced_whole(registry, small_model_dir):
    commit_copy(registry, small_model_dir)
    registry.use("v1")
    assert json.loads((registry.root / "registry.json").read_text()) == {"current": "v1", "history": ["shipped"]}
    assert sorted(p.name for p in registry.root.iterdir()) == ["models", "registry.json", "registry.lock"]


def test_registry_staging_is_removed_on_exception(registry):
    with pytest.raises(RuntimeError):
        with registry.staging() as staging:
            assert staging.is_dir() and not any(staging.iterdir())
            assert staging.parent == registry.root / "models" and staging.name.startswith(".")
            (staging / "partial").write_text("half a model")
            raise RuntimeError("training failed")
    assert not staging.exists()
    assert names(registry) == ["shipped"]


def test_registry_staging_is_kept_on_normal_exit(registry):
    with registry.staging() as staging:
        pass
    assert staging.is_dir()
    assert names(registry) == ["shipped"]  # hidden staging directories are never versions


def test_registry_clean_stale_removes_only_dead_processes_staging(registry, small_model_dir):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    stale = registry.root / "models" / f".staging-{dead_pid}-abc123"
    stale.mkdir(parents=True)
    (stale / MODEL_FILE).write_text("left by a killed run")
    stale_state = registry.root / f".registry-{dead_pid}-xyz.tmp"
    stale_state.write_text("{")
    commit_copy(registry, small_model_dir)
    with registry.staging() as live:
        removed = registry.clean_stale()
    assert sorted(removed) == sorted([stale, stale_state])
    assert not stale.exists() and not stale_state.exists()
    assert live.is_dir()
    assert names(registry) == ["shipped", "v1"]


def test_registry_version_directory_without_meta_is_not_listed(registry, small_model_dir):
    version = commit_copy(registry, small_model_dir)
    (version.path / META_FILE).unlink()
    (registry.root / "models" / "v2").mkdir()
    (registry.root / "models" / "notes").mkdir()
    assert names(registry) == ["shipped"]
    with pytest.raises(RegistryError):
        registry.get("v1")


def test_registry_commit_skips_a_number_already_taken(registry, small_model_dir):
    # v1 exists but is not (yet) a version: the scan picks v1, the rename finds it taken.
    taken = registry.root / "models" / "v1"
    taken.mkdir(parents=True)
    (taken / "in-progress").write_text("another writer")
    version = commit_copy(registry, small_model_dir)
    assert version.name == "v2"
    assert json.loads((version.path / META_FILE).read_text())["version"] == "v2"
    assert (taken / "in-progress").exists()
    assert names(registry) == ["shipped", "v2"]


def test_registry_racing_commits_both_succeed_with_different_names(registry, small_model_dir, monkeypatch):
    """The other commit renames into v1 between this one's scan and its rename."""
    rename = os.rename
    with registry.staging() as mine, registry.staging() as theirs:
        for staging in (mine, theirs):
            shutil.copytree(small_model_dir, staging, dirs_exist_ok=True)
        results = {}

        def rename_after_the_other_commit(source, target):
            monkeypatch.setattr(os, "rename", rename)
            results["theirs"] = registry.commit(theirs)
            rename(source, target)

        monkeypatch.setattr(os, "rename", rename_after_the_other_commit)
        results["mine"] = registry.commit(mine)
    assert (results["theirs"].name, results["mine"].name) == ("v1", "v2")
    for version in results.values():
        assert json.loads((version.path / META_FILE).read_text())["version"] == version.name
        load_model(version.path)
    assert names(registry) == ["shipped", "v1", "v2"]


def test_registry_resolve_model_dir_precedence(tmp_path, small_model_dir, monkeypatch):
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "home"))
    assert resolve_model_dir() == default_model_dir()  # no registry yet
    registry = Registry()
    commit_copy(registry, small_model_dir)
    registry.use("v1")
    assert resolve_model_dir() == tmp_path / "home" / "models" / "v1"
    assert resolve_model_dir(small_model_dir) == small_model_dir
    assert resolve_model_dir(str(tmp_path / "elsewhere")) == tmp_path / "elsewhere"


def test_registry_home_environment_variable_is_respected(tmp_path, monkeypatch):
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "chosen"))
    assert user_data_dir() == tmp_path / "chosen"
    assert Registry().root == tmp_path / "chosen"


def test_registry_default_home_is_the_platform_user_data_dir(monkeypatch):
    import platformdirs

    monkeypatch.delenv(HOME_ENV, raising=False)
    assert user_data_dir() == Path(platformdirs.user_data_dir("callback-analyzer", appauthor=False))
    assert user_data_dir().name == "callback-analyzer"


def test_registry_tests_run_against_their_own_home():
    import platformdirs

    home = Path(os.environ[HOME_ENV])
    assert user_data_dir() == home
    assert home != Path(platformdirs.user_data_dir("callback-analyzer", appauthor=False))


KEEP_COMMITTING = """
import shutil, sys
from analyzer.registry import Registry

registry = Registry(sys.argv[1])
while True:
    with registry.staging() as staging:
        shutil.copytree(sys.argv[2], staging, dirs_exist_ok=True)
        version = registry.commit(staging, parent=registry.current().name)
    registry.use(version.name)
    registry.rollback()
    registry.use(version.name)
    print(version.name, flush=True)
"""


def test_registry_survives_a_process_killed_mid_write(registry, small_model_dir):
    child = subprocess.Popen([sys.executable, "-c", KEEP_COMMITTING, str(registry.root), str(small_model_dir)],
                             stdout=subprocess.PIPE, text=True)
    try:
        for _ in range(3):  # let it go round a few times, then kill it wherever it is
            assert child.stdout.readline()
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
    state = registry.root / "registry.json"
    assert isinstance(json.loads(state.read_text()), dict)
    versions = registry.versions()
    assert len(versions) >= 4
    for version in versions:
        assert all(sha256_file(version.path / name) == digest for name, digest in version.meta["files"].items())
    assert load_model(registry.current().path).labels
    registry.clean_stale()
    assert not [p for p in (registry.root / "models").iterdir() if p.name.startswith(".")]
