"""Where a year's outputs live, and how a year's release is swapped in whole.

Each file is written atomically (``atomic.py``), and so is each year's *set* of files: a reader of
``<data>/output/<year>/`` sees the previous complete release or the new complete one, never some
files of each, even if the process writing it is killed (docs/release.md)::

    output/
      <year>  ->  .releases/<year>/<NNNN>     a symlink, replaced in one rename when a release is done
      .releases/<year>/<NNNN>/                one complete release; not changed once swapped in
      .releases/<year>/<NNNN>.partial/        a release being written: a crash leftover if no process
                                              is writing it; removed by the next release of the year
      .releases/<year>/<NNNN>.failed/         a release that did not read back: never swapped in, kept
                                              for inspection until the next release of the year
      .staging/<year>/                        the published tables of the last transform run
                                              (statswales/<table>.csv, .gates/, .revisions/): what
                                              the next release of the year is made from
      .validation/<year>/<census>/            the validation reports, written by every ingestion and
                                              sweep; every release folder links validation -> here
      .lock                                   held while staging tables or assembling a release

Release 0000 is the empty release: only the validation link, for a year whose returns have been
validated but never released. After a swap the previous release is kept (for readers still in it,
and to roll back by hand: point the symlink at it); older ones are removed.

``recover`` puts a year right after a crash: a missing or dangling symlink points at the newest
complete release again, a leftover temporary symlink goes, and an ``output/<year>`` that is a real
folder (written before this layout) becomes release the next release with its tables staged and its
validation reports made live.
"""

import fcntl
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

from orchestration.lib.crash import crash_point

RELEASES = ".releases"
STAGING = ".staging"
VALIDATION = ".validation"
LOCK = ".lock"
PARTIAL = ".partial"
FAILED = ".failed"
EMPTY = "0000"
VALIDATION_LINK = "validation"
STAGED_INTERNAL = (".gates", ".revisions")
_RELEASE_NAME = re.compile(r"(\d{4})(\.partial|\.failed)?")

_HELD: dict[str, list] = {}


@contextmanager
def output_lock(output_dir: Path):
    """Exclusive across processes (flock on ``output/.lock``), re-entrant within one."""
    key = str(output_dir.resolve())
    if key in _HELD:
        _HELD[key][1] += 1
        try:
            yield
        finally:
            _HELD[key][1] -= 1
        return
    output_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(output_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        _HELD[key] = [fd, 1]
        try:
            yield
        finally:
            del _HELD[key]
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def year_view(output_dir: Path, year: str) -> Path:
    """``output/<year>``: what readers open (a symlink to the year's current release)."""
    return output_dir / year


def staging_dir(output_dir: Path, year: str) -> Path:
    return output_dir / STAGING / year


def live_validation_dir(output_dir: Path, year: str) -> Path:
    return output_dir / VALIDATION / year


def releases_dir(output_dir: Path, year: str) -> Path:
    return output_dir / RELEASES / year


def _swap_link(output_dir: Path, year: str) -> Path:
    return output_dir / f".{year}.swap"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    """Flush every file and folder under ``root`` (not through symlinks) to disk."""
    for folder, dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            if os.path.islink(path):
                continue
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
        _fsync_dir(Path(folder))


def _releases(output_dir: Path, year: str) -> list[tuple[int, str, Path]]:
    """(number, suffix, path) of every release folder of the year, oldest first."""
    folder = releases_dir(output_dir, year)
    out = []
    if folder.is_dir():
        for p in folder.iterdir():
            m = _RELEASE_NAME.fullmatch(p.name)
            if m and p.is_dir() and not p.is_symlink():
                out.append((int(m.group(1)), m.group(2) or "", p))
    return sorted(out)


def current_release(output_dir: Path, year: str) -> "Path | None":
    """The release folder ``output/<year>`` points at, if it points at one that exists."""
    view = year_view(output_dir, year)
    if view.is_symlink() and view.exists():
        return view.resolve()
    return None


def _point_at(output_dir: Path, year: str, release: Path) -> None:
    """Make ``output/<year>`` point at ``release`` in one rename (a reader sees the old or the new)."""
    tmp = _swap_link(output_dir, year)
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(os.path.relpath(release, output_dir), tmp)
    os.replace(tmp, year_view(output_dir, year))
    _fsync_dir(output_dir)


def _link_validation(output_dir: Path, year: str, release: Path) -> None:
    live = live_validation_dir(output_dir, year)
    live.mkdir(parents=True, exist_ok=True)
    link = release / VALIDATION_LINK
    if not link.is_symlink():
        os.symlink(os.path.relpath(live, release), link)


def _migrate(output_dir: Path, year: str) -> None:
    """``output/<year>`` is a real folder, written before releases were swapped whole: make it release
    0001, its published tables the staged ones and its validation reports the live ones."""
    view = year_view(output_dir, year)
    staged = staging_dir(output_dir, year)
    if not staged.exists():
        staged.mkdir(parents=True)
        if (view / "statswales").is_dir():
            (staged / "statswales").mkdir()
            for p in sorted((view / "statswales").glob("*.csv")):
                shutil.copy2(p, staged / "statswales" / p.name)
        for name in STAGED_INTERNAL:
            if (view / name).is_dir():
                shutil.copytree(view / name, staged / name)
    old_reports = view / VALIDATION_LINK
    live = live_validation_dir(output_dir, year)
    if old_reports.is_dir() and not old_reports.is_symlink():
        if live.exists():
            shutil.rmtree(old_reports)  # reports written since are newer
        else:
            live.parent.mkdir(parents=True, exist_ok=True)
            os.rename(old_reports, live)
    numbers = [n for n, _, _ in _releases(output_dir, year)]
    target = releases_dir(output_dir, year) / f"{max(numbers, default=0) + 1:04d}"
    target.parent.mkdir(parents=True, exist_ok=True)
    os.rename(view, target)
    _link_validation(output_dir, year, target)
    _point_at(output_dir, year, target)


def recover(output_dir: Path, year: str) -> "Path | None":
    """Put the year's outputs right after a crash (or an older layout); return the current release."""
    with output_lock(output_dir):
        view = year_view(output_dir, year)
        tmp = _swap_link(output_dir, year)
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        if view.is_dir() and not view.is_symlink():
            _migrate(output_dir, year)
        elif not (view.is_symlink() and view.exists()):
            complete = [p for _, suffix, p in _releases(output_dir, year) if not suffix]
            if view.is_symlink():
                view.unlink()  # dangling
            if complete:
                _point_at(output_dir, year, complete[-1])
        current = current_release(output_dir, year)
        if current is not None and not (current / VALIDATION_LINK).is_symlink():
            _link_validation(output_dir, year, current)  # a migration cut short
        return current


def ensure_year_view(output_dir: Path, year: str) -> Path:
    """``output/<year>`` exists (an empty release if the year has none), with its validation folder."""
    with output_lock(output_dir):
        if recover(output_dir, year) is None:
            empty = releases_dir(output_dir, year) / EMPTY
            empty.mkdir(parents=True, exist_ok=True)
            _link_validation(output_dir, year, empty)
            _point_at(output_dir, year, empty)
        live_validation_dir(output_dir, year).mkdir(parents=True, exist_ok=True)
        return year_view(output_dir, year)


def new_release(output_dir: Path, year: str) -> Path:
    """A new, empty release folder (``<NNNN>.partial``) for the year, with its validation link.

    Leftover partial folders of the year (a crashed release) are removed first. Call it holding
    ``output_lock``."""
    for _, suffix, p in _releases(output_dir, year):
        if suffix == PARTIAL:
            shutil.rmtree(p)
    numbers = [n for n, _, _ in _releases(output_dir, year)]
    partial = releases_dir(output_dir, year) / f"{max(numbers, default=0) + 1:04d}{PARTIAL}"
    partial.mkdir(parents=True)
    _link_validation(output_dir, year, partial)
    return partial


def abandon_release(partial: Path) -> Path:
    """Keep a release that failed its checks as ``<NNNN>.failed`` (never swapped in)."""
    failed = partial.with_name(partial.name.removesuffix(PARTIAL) + FAILED)
    if failed.exists():
        shutil.rmtree(failed)
    os.rename(partial, failed)
    return failed


def commit_release(output_dir: Path, year: str, partial: Path) -> Path:
    """Swap a complete release in: flush it, rename it to its number, point ``output/<year>`` at it,
    then remove every release of the year but this one and the one before it."""
    with output_lock(output_dir):
        previous = current_release(output_dir, year)
        _fsync_tree(partial)
        final = partial.with_name(partial.name.removesuffix(PARTIAL))
        os.rename(partial, final)
        _fsync_dir(final.parent)
        crash_point("swap", f"({final.name} complete, not yet swapped in)")
        _point_at(output_dir, year, final)
        keep = {final.resolve(), previous}
        for _, _, p in _releases(output_dir, year):
            if p.resolve() not in keep:
                shutil.rmtree(p)
        return final
