"""Where things are: the project a command works on, the package's own data, the user's data.

- The project: a folder holding schema/, corpus/ and annotations/ (a checkout of the dataset's
  repository). It is the one named by `crocus-claims --project DIR` ($CROCUS_CLAIMS_ROOT),
  else the current directory or the nearest parent that is one. Commands that read or write the
  dataset's sources need it (`project_dir`), and say so with the code `not-in-a-project`.
- The package's own copy: a wheel carries schema/, corpus/ and the release under
  `crocus_claims/_data/`, used when there is no project (validating a file, `load()`); an
  editable install reads the checkout it was installed from.
- The user's data directory (platformdirs): what the toolkit installs or keeps for the user,
  such as the Label Studio server's environment and session data; never inside site-packages.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED_DIR = PACKAGE_DIR / "_data"
REPO_ROOT = PACKAGE_DIR.parents[1]  # the checkout of an editable install
ROOT_VARIABLE = "CROCUS_CLAIMS_ROOT"  # names the project; `--project DIR` sets it
PROJECT_FOLDERS = ("schema", "corpus", "annotations")
APP_NAME = "crocus-claims"


class NotInProjectError(Exception):
    """A command that works on the dataset's sources was run outside a project."""

    code = "not-in-a-project"


def is_project(folder: Path) -> bool:
    return all((folder / name).is_dir() for name in PROJECT_FOLDERS)


def find_project() -> Path | None:
    """The project named by $CROCUS_CLAIMS_ROOT, else the current directory or its nearest
    parent holding schema/, corpus/ and annotations/, else None. Raises NotInProjectError when
    the named folder is not a project."""
    named = os.environ.get(ROOT_VARIABLE)
    if named:
        folder = Path(os.path.realpath(named))  # not resolve(): it raises for a loop of links
        if not is_project(folder):
            raise NotInProjectError(f"{named} is not a Crocus Claims project: it has no "
                                    f"{', '.join(f'{name}/' for name in PROJECT_FOLDERS)} folders")
        return folder
    here = Path.cwd()
    return next((folder for folder in (here, *here.parents) if is_project(folder)), None)


def project_dir() -> Path:
    """The project's folder; NotInProjectError when there is none."""
    found = find_project()
    if found is None:
        raise NotInProjectError(
            f"{Path.cwd()} is not inside a Crocus Claims project (no schema/, corpus/ and annotations/ "
            "here or above): run this in a checkout of the dataset, or pass --project DIR")
    return found


def _data_dir(name: str) -> Path:
    project = find_project()
    if project is not None:
        return project / name
    bundled = BUNDLED_DIR / name
    return bundled if bundled.is_dir() else REPO_ROOT / name


def schema_dir() -> Path:
    """The project's schema/, else the package's own copy."""
    return _data_dir("schema")


def corpus_dir() -> Path:
    """The project's corpus/, else the package's own copy."""
    return _data_dir("corpus")


def annotations_dir() -> Path:
    """The project's annotations/ (a wheel carries none); NotInProjectError outside a project."""
    return project_dir() / "annotations"


def bundled_release_dir() -> Path:
    """The release `crocus_claims.load()` reads when given no folder.

    In a wheel, crocus_claims/_data/release/ (dist/release/ when the wheel was built, or the
    release the build hook built from the sources); in a checkout, dist/release/ itself, which
    `crocus-claims release build` (`make release`) writes;
    with $CROCUS_CLAIMS_ROOT, that project's dist/release/.
    """
    if os.environ.get(ROOT_VARIABLE):
        return project_dir() / "dist" / "release"
    bundled = BUNDLED_DIR / "release"
    return bundled if bundled.is_dir() else REPO_ROOT / "dist" / "release"


def user_data_dir() -> Path:
    """This user's data directory for the toolkit (platformdirs: ~/.local/share/crocus-claims on
    Linux, ~/Library/Application Support/crocus-claims on macOS, %LOCALAPPDATA% on Windows)."""
    import platformdirs

    return platformdirs.user_data_path(APP_NAME, appauthor=False)
