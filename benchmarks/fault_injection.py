"""Fault injection on a real library: kill -9 mid-index, a Chroma server killed mid-run, a full disk, a damaged
catalog. Real processes, signals and files; prints a results table (benchmarks/RESULTS.md has one).

    .venv/bin/python benchmarks/fault_injection.py [--photos 300] [--kills 6] [--seed 1] [--skip outage]
        [--only NAME ...]   (issue 20's cases: backups-full-disk names labels-syntax kill-labels-add bad-setting
                             bad-inputs read-only-home)

Each scenario ends by checking the library: catalog = disk (every photo file has one record), catalog = Chroma
(the same ids, no duplicates), the user's choices kept, and it counts the encodes beyond one per photo (the
child processes count every encoder call, killed runs included). The disk-full scenario mounts a small tmpfs
(needs root; skipped otherwise).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def child_main(counter: str, argv: list[str]) -> int:
    """Run photo-tagger with every image-encoder call counted in `counter` (one line per batch, appended)."""
    from photo_tagger.infra import onnx_clip

    encode = onnx_clip.OnnxImageEncoder.encode_images

    def counted(self, pixels):
        result = encode(self, pixels)
        with open(counter, "a") as f:  # page cache: survives a SIGKILL of this process
            f.write(f"{len(pixels)}\n")
        return result

    onnx_clip.OnnxImageEncoder.encode_images = counted
    from photo_tagger.cli.main import run

    return run(argv)


# -- helpers for the parent
def photo_tagger(home: Path, *args, counter: Path | None = None, **popen) -> subprocess.Popen:
    prefix = [sys.executable, __file__, "--child", str(counter)] if counter else [sys.executable, "-m", "photo_tagger"]
    return subprocess.Popen([*prefix, "--", "--home", str(home), *map(str, args)] if counter else
                            [*prefix, "--home", str(home), *map(str, args)], cwd=REPO, **popen)


def run(home: Path, *args, counter: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    child = photo_tagger(home, *args, counter=counter, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = child.communicate(timeout=timeout)
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)


def encodes(counter: Path) -> int:
    return sum(int(line) for line in counter.read_text().split()) if counter.exists() else 0


def catalog_rows(home: Path) -> int:
    path = home / "data" / "library" / "catalog.sqlite3"
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            return db.execute("SELECT count(*) FROM photos").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def verify(home: Path, photos: Path) -> dict:
    """Catalog = disk = Chroma, no duplicates: checked in a child process of its own, as a user's next command
    would open the library (and this process keeps no Chroma client whose closing could hang)."""
    done = subprocess.run([sys.executable, __file__, "--verify", str(home), str(photos)], capture_output=True,
                          text=True, timeout=300, cwd=REPO)
    if done.returncode != 0:
        return {"catalog=disk": f"verify failed: {done.stderr.strip()[-200:]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def verify_here(home: Path, photos: Path) -> dict:
    from photo_tagger.app import App

    app = App.from_home(home)
    try:
        records = app.catalog.records()
        on_disk = {str(p) for p in photos.rglob("*.jpg")}
        indexed = [r for r in records if r.status == "indexed"]
        paths = [r.path for r in indexed]
        store = app.vector_store()
        ids = store.ids()
        return {"catalog=disk": set(paths) == on_disk and len(records) == len(on_disk),
                "catalog=chroma": ids == {r.id for r in indexed} and store.count() == len(ids),
                "duplicates": len(paths) - len(set(paths)) + len(indexed) - len({r.content_hash for r in indexed})}
    finally:
        app.close()


def new_home(root: Path, depot: Path, **settings) -> Path:
    from photo_tagger.app import App

    home = root / "home"
    home.mkdir(parents=True)
    app = App.from_home(home)
    app.models.import_folder(App.from_home(depot).models.get("tiny").path)
    app.update_settings(model="tiny", **settings)
    return home


def make_library_photos(folder: Path, count: int, seed: int) -> None:
    from tests.photos import make_photo

    rng = random.Random(seed)
    for i in range(count):
        make_photo(folder / f"IMG_{i:05d}.jpg", (rng.randrange(256), rng.randrange(256), rng.randrange(256)),
                   size=(640, 480))


# -- scenarios
def scenario_kill(work: Path, depot: Path, args) -> dict:
    photos = work / "photos"
    make_library_photos(photos, args.photos, args.seed)
    home = new_home(work, depot, batch_size=8)
    counter = work / "encodes"
    rng = random.Random(args.seed)
    kills = opened = 0
    while kills < args.kills:
        child = photo_tagger(home, "index", photos, counter=counter, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        done = catalog_rows(home)
        target = done + rng.randint(1, max(1, (args.photos - done) // (args.kills - kills + 1)))
        while catalog_rows(home) < target and child.poll() is None:
            time.sleep(rng.uniform(0.0, 0.05))
        if child.poll() is not None:
            if child.returncode != 0:
                raise SystemExit(f"an index run failed by itself (exit {child.returncode}): see {home}/logs")
            break  # finished before this kill
        child.send_signal(signal.SIGKILL)
        child.wait()
        kills += 1
        opened += run(home, "status", "--json").returncode == 0  # the killed library opens
    final = run(home, "index", photos, "--json", counter=counter)
    report = json.loads(final.stdout) if final.returncode == 0 else {}
    return {"scenario": f"SIGKILL x{kills} while indexing", "photos": args.photos, "exit": final.returncode,
            "observed": f"{opened}/{kills}", **verify(home, photos),
            "extra encodes": encodes(counter) - args.photos,
            "final run says": f"encoded again after interrupt: {report.get('reencoded_after_interrupt', '?')}"}


def scenario_outage(work: Path, depot: Path, args) -> dict:
    from tests.e2e.test_server_mode import ChromaServer

    photos = work / "photos"
    make_library_photos(photos, args.photos, args.seed + 1)
    server = ChromaServer(work / "server", work / "server.log")
    server.start(timeout=120)
    try:
        home = new_home(work, depot, batch_size=8, store_url=server.url)
        counter = work / "encodes"
        child = photo_tagger(home, "index", photos, "--json", counter=counter, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
        while catalog_rows(home) < args.photos // 3 and child.poll() is None:
            time.sleep(0.01)
        server.stop(signal.SIGKILL)
        time.sleep(3)
        waited = child.poll() is None
        server.start(timeout=120)
        out, _ = child.communicate(timeout=600)
        report = json.loads(out) if child.returncode == 0 else {}
        result = verify(home, photos)
    finally:
        server.stop(signal.SIGKILL)
    return {"scenario": "Chroma server SIGKILL mid-run, back 3 s later", "photos": args.photos,
            "exit": child.returncode, "observed": "waited" if waited else "gave up", **result,
            "extra encodes": encodes(counter) - args.photos,
            "final run says": f"new {report.get('new', '?')}, encoded again {report.get('reencoded_after_interrupt', '?')}"}


def scenario_disk_full(work: Path, depot: Path, args) -> dict:
    disk = work / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        return {"scenario": "disk full (tmpfs)", "exit": "skipped: cannot mount a tmpfs (needs root)"}
    try:
        photos = work / "photos"
        make_library_photos(photos, args.photos, args.seed + 2)
        home = new_home(disk, depot, batch_size=8)
        counter = work / "encodes"
        run(home, "status")
        filler = disk / "filler"
        free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
        with open(filler, "wb") as f:  # a few batches' worth of room left
            f.write(b"\0" * max(0, free - 400_000))
        full = run(home, "index", photos, counter=counter)
        lines = full.stderr.strip().splitlines()
        status = run(home, "status", "--json")
        search = run(home, "search", "a photo", "--json")
        filler.unlink()
        final = run(home, "index", photos, "--json", counter=counter)
        return {"scenario": "disk full mid-run (48 MB tmpfs), then freed", "photos": args.photos,
                "exit": f"{full.returncode} then {final.returncode}",
                "observed": f"status {'ok' if status.returncode == 0 else 'FAILED ' + status.stderr[-300:]}, search "
                            f"{'ok' if search.returncode == 0 else 'FAILED ' + search.stderr[-300:]}; "
                            f"{len(lines)} line: {lines[-1][:60] if lines else ''}",
                **verify(home, photos), "extra encodes": encodes(counter) - args.photos,
                "final run says": "new {new}, unchanged {unchanged}".format(**json.loads(final.stdout))
                if final.returncode == 0 else "-"}
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def scenario_corruption(work: Path, depot: Path, args) -> dict:
    photos = work / "photos"
    make_library_photos(photos, args.photos, args.seed + 3)
    home = new_home(work, depot, batch_size=8)
    counter = work / "encodes"
    assert run(home, "index", photos, counter=counter).returncode == 0
    first = photos / "IMG_00001.jpg"
    run(home, "tag", first, "--add", "holiday")
    run(home, "unflag", photos / "IMG_00002.jpg")
    catalog = home / "data" / "library" / "catalog.sqlite3"
    pages = catalog.stat().st_size // 4096
    rng = random.Random(args.seed)
    with open(catalog, "r+b") as f:  # 8 random pages of the middle half overwritten with garbage
        for page in rng.sample(range(pages // 4, 3 * pages // 4), min(8, pages // 2)):
            f.seek(page * 4096)
            f.write(rng.randbytes(4096))
    status = run(home, "status")
    lines = status.stderr.strip().splitlines()
    named = len(lines) == 1 and str(catalog) in lines[0]
    repair = run(home, "library", "repair")
    check = run(home, "library", "check")
    tags = json.loads(run(home, "tags", first, "--json").stdout or "{}")
    final = run(home, "index", photos, "--json", counter=counter)
    not_sensitive = json.loads(run(home, "tags", photos / "IMG_00002.jpg", "--json").stdout or "{}")
    kept = "holiday" in tags.get("added_by_you", []) and not_sensitive.get("not_sensitive") is True
    return {"scenario": "8 catalog pages overwritten; library repair", "photos": args.photos,
            "exit": f"{status.returncode}, repair {repair.returncode}, check {check.returncode}",
            "observed": f"one line naming the file: {'yes' if named else 'NO'}; choices kept: "
                                f"{'yes' if kept else 'NO'}",
            **verify(home, photos), "extra encodes": encodes(counter) - args.photos,
            "final run says": "new {new}, unchanged {unchanged}".format(**json.loads(final.stdout))
            if final.returncode == 0 else "-"}


# -- round two (issue 20): "Keep this", watch, a killed write's journal on the vector store
_ORPHAN_TABLES = ("vectors", "photo_text", "photo_hashes", "auto_tags", "auto_flags", "auto_sources", "user_tags",
                  "user_not_sensitive")


def orphan_rows(home: Path) -> int:
    """Rows of the catalog keyed by a photo id no record holds."""
    db = sqlite3.connect(f"file:{home / 'data' / 'library' / 'catalog.sqlite3'}?mode=ro", uri=True, timeout=10)
    try:
        return sum(db.execute(f"SELECT count(*) FROM {t} WHERE photo_id NOT IN (SELECT id FROM photos)").fetchone()[0]
                   for t in _ORPHAN_TABLES)
    finally:
        db.close()


def keep_this_here(home: Path, photos: Path, trash_home: Path) -> dict:
    """In a child (--keep-this): "Keep this" on a group of 3 copies, one of them overwritten with other bytes of
    the same size and time; then again with the trash's rename failing. The freedesktop trash lives in trash_home."""
    from send2trash import plat_other

    data = trash_home / ".local" / "share"
    data.mkdir(parents=True)
    os.environ.update(HOME=str(trash_home), XDG_DATA_HOME=str(data))
    plat_other.XDG_DATA_HOME, plat_other.HOMETRASH_B = os.fsencode(data), os.fsencode(data / "Trash")
    plat_other.HOMETRASH = str(data / "Trash")
    from photo_tagger.app import App
    from photo_tagger.services import trash

    trash.send2trash = plat_other.send2trash
    app = App.from_home(home)
    try:
        by_name = {Path(r.path).name: r for r in app.catalog.records()}
        keep, tagged, swapped = by_name["IMG_00000.jpg"], by_name["copy_1.jpg"], by_name["copy_2.jpg"]
        with app.catalog.transaction() as db:
            app.catalog.set_user_tags(db, tagged.id, add=["holiday"])
            app.catalog.set_not_sensitive(db, tagged.id)
        from tests.photos import make_photo

        # a smaller new photo, padded after its end marker to the same size (decoders ignore the padding)
        other = make_photo(trash_home / "other.jpg", (250, 5, 120), size=(320, 240)).read_bytes()
        (photos / "copy_2.jpg").write_bytes((other + b"\0" * swapped.size)[:swapped.size])
        os.utime(photos / "copy_2.jpg", ns=(swapped.mtime_ns, swapped.mtime_ns))
        report = app.trash_service.keep_one(keep, [tagged, swapped])
        choices = app.catalog.choices([keep.id]).get(keep.id)
        # a move that fails half way: send2trash has written its note when the rename is refused
        make_photo(photos / "copy_3.jpg", (1, 2, 3), size=(640, 480))  # its own content: not a duplicate
        app.indexer.index(app.catalog.roots())
        failing = {Path(r.path).name: r for r in app.catalog.records()}["copy_3.jpg"]
        rename = os.rename

        def refusing(src, dst, *args, **kwargs):
            if os.fsdecode(src).startswith(str(photos)):
                raise PermissionError(13, "Permission denied", os.fsdecode(src))
            return rename(src, dst, *args, **kwargs)

        os.rename = refusing
        try:
            failed = app.trash_service.move_to_trash([failing])
        finally:
            os.rename = rename
        info = data / "Trash" / "info"
        return {"moved": [Path(r.path).name for r in report.moved],
                "not moved": [f"{Path(r.path).name}: {why}" for r, why in report.not_moved],
                "keeper has holiday": bool(choices and "holiday" in choices.added),
                "keeper not sensitive": bool(choices and choices.not_sensitive),
                "failed move": failed.summary(), "trash notes": sorted(os.listdir(info)),
                "trashed files": sorted(os.listdir(data / "Trash" / "files"))}
    finally:
        app.close()


def scenario_keep_this(work: Path, depot: Path, args) -> dict:
    import shutil

    photos = work / "photos"
    make_library_photos(photos, 8, args.seed + 4)
    shutil.copy2(photos / "IMG_00000.jpg", photos / "copy_1.jpg")
    shutil.copy2(photos / "IMG_00000.jpg", photos / "copy_2.jpg")
    home = new_home(work, depot, batch_size=8, ocr="off")
    assert run(home, "index", photos).returncode == 0
    done = subprocess.run([sys.executable, __file__, "--keep-this", str(home), str(photos), str(work / "user")],
                          capture_output=True, text=True, timeout=600, cwd=REPO)
    if done.returncode != 0:
        return {"scenario": "Keep this", "exit": done.returncode, "observed": done.stderr.strip()[-300:]}
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    held = (seen["moved"] == ["copy_1.jpg"] and len(seen["not moved"]) == 1 and seen["keeper has holiday"]
            and seen["keeper not sensitive"] and seen["trash notes"] == ["copy_1.jpg.trashinfo"])
    os.utime(photos / "copy_2.jpg")  # the user edits the overwritten copy: the next index reads its new content
    disk = run(home, "index", photos, "--json")
    return {"scenario": "Keep this: 2 copies, one overwritten (same size and time); then a failed move",
            "photos": 10, "exit": disk.returncode,
            "observed": f"moved {seen['moved']}; kept {seen['not moved'][0][:60]}...; keeper has the copy's tag "
                        f"and not-sensitive: {seen['keeper has holiday'] and seen['keeper not sensitive']}; "
                        f"trash notes after the failed move: {seen['trash notes']} -> {'held' if held else 'FAILED'}",
            **verify(home, photos), "extra encodes": "-", "final run says": "orphan rows: " + str(orphan_rows(home))}


def scenario_watch_burst(work: Path, depot: Path, args) -> dict:
    """watch, then in one step: a 40-photo folder copied in, one photo moved into it, another deleted; twice."""
    import re
    import shutil

    rows = []
    for attempt in range(2):
        base = work / f"run{attempt}"
        photos, album = base / "photos", base / "album"
        make_library_photos(base / "made", 43, args.seed + 5 + attempt)
        photos.mkdir(parents=True)
        album.mkdir()
        for i, made in enumerate(sorted((base / "made").iterdir())):
            made.rename(photos / f"OLD_{i - 40}.jpg" if i >= 40 else album / made.name)
        home = new_home(base, depot, batch_size=8, ocr="off")
        assert run(home, "index", photos).returncode == 0
        counter = base / "encodes"
        watcher = photo_tagger(home, "watch", "--debounce", "0.3", counter=counter, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        while not (line := watcher.stdout.readline()).startswith("Watching"):
            if not line:
                raise SystemExit(f"watch failed: {watcher.stderr.read()[-500:]}")
        shutil.copytree(album, photos / "trip")
        os.rename(photos / "OLD_0.jpg", photos / "trip" / "moved.jpg")
        os.remove(photos / "OLD_1.jpg")
        deadline = time.monotonic() + 300
        while catalog_rows(home) != 42 or orphan_rows(home) or _pending_files(home, photos):
            if time.monotonic() > deadline:
                break
            time.sleep(0.3)
        time.sleep(2)  # a second report, if any, would come now
        watcher.send_signal(signal.SIGTERM)
        out, _ = watcher.communicate(timeout=120)
        new = sum(int(m.group(1)) for line in out.splitlines() if "changes:" in line
                  and (m := re.search(r"(\d+) new", line)))
        rows.append((new, encodes(counter), orphan_rows(home), verify(home, photos)))
    checks = {k: all(r[3].get(k) is True for r in rows) for k in ("catalog=disk", "catalog=chroma")}
    return {"scenario": "watch: 40-photo folder copied in + a move + a delete, in one step (x2)", "photos": 43,
            "exit": watcher.returncode,
            "observed": "; ".join(f"run {i + 1}: reported {n} new, {e} encodes, {o} orphan rows"
                                  for i, (n, e, o, _) in enumerate(rows)),
            **checks, "duplicates": sum(r[3].get("duplicates", 0) for r in rows),
            "extra encodes": sum(e - 40 for _, e, _, _ in rows), "final run says": "-"}


def _pending_files(home: Path, photos: Path) -> bool:
    db = sqlite3.connect(f"file:{home / 'data' / 'library' / 'catalog.sqlite3'}?mode=ro", uri=True, timeout=10)
    try:
        known = {os.fsdecode(r[0]) for r in db.execute("SELECT relpath FROM photos")}
    finally:
        db.close()
    return known != {str(p.relative_to(photos)) for p in photos.rglob("*.jpg")}


def scenario_store_journal(work: Path, depot: Path, args) -> dict:
    from tests.sqlite_faults import kill_mid_write

    photos = work / "photos"
    make_library_photos(photos, 20, args.seed + 6)
    home = new_home(work, depot, batch_size=8, ocr="off")
    assert run(home, "index", photos).returncode == 0
    chroma = home / "data" / "library" / "chroma" / "chroma.sqlite3"
    seen = []
    for command in (("library", "check"), ("library", "repair")):
        kill_mid_write(chroma)
        journal = Path(f"{chroma}-journal").exists()
        done = run(home, *command)
        store_line = next((text for text in done.stdout.splitlines() if text.startswith("Vector store")), "")
        seen.append(f"{' '.join(command)}: journal {'left' if journal else 'NOT left'}, exit {done.returncode}"
                    + (f", '{store_line.split(': ', 1)[-1]}'" if store_line else "")
                    + (", SET ASIDE" if "set aside" in done.stdout else ""))
    set_aside = list(chroma.parent.parent.glob("chroma.damaged-*"))
    search = run(home, "search", "a photo", "--json")
    return {"scenario": "SIGKILL mid-write on the vector store's SQLite (hot journal); check, repair",
            "photos": 20, "exit": search.returncode,
            "observed": "; ".join(seen) + f"; stores set aside: {len(set_aside)}",
            **verify(home, photos), "extra encodes": "-", "final run says": "-"}


SCENARIOS = {"kill": scenario_kill, "outage": scenario_outage, "disk-full": scenario_disk_full,
             "corruption": scenario_corruption, "keep-this": scenario_keep_this, "watch-burst": scenario_watch_burst,
             "store-journal": scenario_store_journal}
COLUMNS = ("scenario", "photos", "exit", "observed", "catalog=disk", "catalog=chroma", "duplicates",
           "extra encodes", "final run says")


# -- issue 20, round two (faults1): backups on a full disk, hostile names, a broken labels.toml, kills during
# `labels add`, a bad setting, and the inputs that ended in an internal error. Each row says what held.
def _lines(result: subprocess.CompletedProcess) -> int:
    return len(result.stderr.strip().splitlines())


def _said(result: subprocess.CompletedProcess) -> str:
    """exit code and stderr lines, e.g. "2/1" (no traceback: "tb" added when one shows)."""
    tb = " tb" if "Traceback" in result.stderr or "internal error" in result.stderr else ""
    return f"{result.returncode}/{_lines(result)}{tb}"


def _mount(where: Path, size: str) -> bool:
    where.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True).returncode == 0


def scenario_backups_full_disk(work: Path, depot: Path, args) -> dict:
    disk = work / "disk"
    if not _mount(disk, "60m"):
        return {"scenario": "backups on a full disk", "exit": "skipped: cannot mount a tmpfs (needs root)"}
    try:
        count = min(args.photos, 40)
        photos = work / "photos"
        make_library_photos(photos, count, args.seed + 20)
        home = new_home(disk, depot, batch_size=8)
        run(home, "index", photos)
        run(home, "tag", photos / "IMG_00001.jpg", "--add", "mine")
        folder = home / "data" / "library" / "backups"
        before = {b.name: b.stat().st_size for b in folder.iterdir()}
        free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
        filler = disk / "filler"
        with open(filler, "wb") as f:  # about 250 KB left, as in the issue
            f.write(b"\0" * max(0, free - 250_000))
        codes, warned = [], 0
        for n in range(3):  # an index that writes nothing takes no backup: tags are changes that do
            codes.append(run(home, "index", photos).returncode)
            tagged = run(home, "tag", photos / f"IMG_0000{n + 2}.jpg", "--add", f"full{n}")
            codes.append(tagged.returncode)
            warned += "no backup of the catalog this time" in tagged.stderr
        after = {b.name: b.stat().st_size for b in folder.iterdir()}
        stopped = []
        for n in range(3):  # then the disk fills up during an index (it wrote some photos, then stopped)
            make_library_photos(photos / f"more{n}", 100, args.seed + 27 + n)
            filler.unlink()
            child = photo_tagger(home, "index", photos, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            done = catalog_rows(home)
            while catalog_rows(home) < done + 8 and child.poll() is None:
                time.sleep(0.01)
            with open(filler, "wb") as f:
                try:
                    f.write(b"\0" * (os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize))
                except OSError:
                    pass
            out, err = child.communicate(timeout=600)
            stopped.append(subprocess.CompletedProcess(child.args, child.returncode, out, err))
        codes += [r.returncode for r in stopped]
        full = {b.name: b.stat().st_size for b in folder.iterdir()}
        check = run(home, "library", "check")
        filler.unlink()
        run(home, "index", photos)
        run(home, "tag", photos / "IMG_00009.jpg", "--add", "room")
        freed = sorted(folder.iterdir())
        return {"scenario": "catalog backups on a full disk (60 MB tmpfs, 250 KB free)", "photos": count,
                "exit": ",".join(map(str, codes)) + f"; check {check.returncode}",
                "observed": f"backups before {len(before)} ({min(before.values())} B+); at 250 KB free "
                            f"{'unchanged' if after == before else 'CHANGED'}, {warned}/3 tag runs said the backup "
                            f"failed; after 3 index runs that filled the disk {len(full)} backups, {sum(not v for v in full.values())} "
                            f"empty, the good ones {'kept' if set(before) <= set(full) else 'ROTATED OUT'}; check "
                            f"exit {check.returncode}, says 'nothing was lost': "
                            f"{'YES' if 'nothing was lost' in check.stdout + check.stderr else 'no'}; after freeing "
                            f"space {len(freed)} backups, all > 0 B: "
                            f"{'yes' if all(b.stat().st_size for b in freed) else 'NO'}",
                **verify(home, photos)}
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def scenario_names(work: Path, depot: Path, args) -> dict:
    photos = work / "photos"
    make_library_photos(photos, 6, args.seed + 21)
    home = new_home(work, depot, batch_size=8)
    run(home, "index", photos)
    first = photos / "IMG_00001.jpg"
    refused = [run(home, *a) for a in (["labels", "add", ""], ["labels", "add", "  "], ["labels", "add", "x\x1b[31m"],
                                       ["tag", first, "--add", ""], ["tag", first, "--add", " "],
                                       ["tag", first, "--add", "\x1b]0;owned\x07"])]
    raw = sum("\x1b" in r.stdout + r.stderr for r in refused)
    labels = home / "config" / "labels.toml"  # a nameless label as `labels add ""` wrote it before the fix
    labels.write_text(labels.read_text().replace("label = [\n", 'label = [\n    { name = "", enabled = true },\n', 1))
    shutil.copyfile(labels, labels.with_name("labels.last-good.toml"))
    opened = [run(home, *a).returncode for a in (["search", "red"], ["retag"], ["labels", "list"],
                                                 ["moderation", "list"])]
    removed = run(home, "labels", "remove", "")
    clean = 'name = ""' not in labels.read_text()
    return {"scenario": "blank and hostile names; a nameless label from before", "photos": 6,
            "exit": " ".join(_said(r) for r in refused),
            "observed": f"{sum(r.returncode == 2 and _lines(r) == 1 for r in refused)}/{len(refused)} refused in one "
                        f"line (exit 2), raw ESC printed {raw}x; nameless label: search/retag/list/moderation exit "
                        f"{opened}, `labels remove \"\"` exit {removed.returncode}, file clean: "
                        f"{'yes' if clean else 'NO'}",
            **verify(home, photos)}


def scenario_labels_syntax(work: Path, depot: Path, args) -> dict:
    photos = work / "photos"
    make_library_photos(photos, 6, args.seed + 22)
    home = new_home(work, depot, batch_size=8)
    run(home, "index", photos)
    labels = home / "config" / "labels.toml"
    text = labels.read_text() + '\n[[label]]\nname = "hand1"\n\n[[label]]\nname = "hand2"\n\n[oops\n'
    labels.write_text(text)
    edit = run(home, "labels", "add", "boat2", "--prompt", "a photo of a boat")
    line = edit.stderr.strip().splitlines()[-1] if edit.stderr.strip() else ""
    return {"scenario": "labels.toml hand-edited with a syntax error, then `labels add boat2`", "photos": 6,
            "exit": _said(edit),
            "observed": f"file untouched: {'yes' if labels.read_text() == text else 'NO'}; the line names the file "
                        f"{'yes' if str(labels) in line else 'NO'} and line/column "
                        f"{'yes' if 'line' in line and 'column' in line else 'NO'}",
            **verify(home, photos)}


KILL_AFTER_SAVE = """
import os, signal, sys
from photo_tagger.services.retagging import RetagService
def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
RetagService.retag_library = killed
from photo_tagger.cli.main import run
sys.exit(run(sys.argv[1:]))
"""


def _label_count(home: Path, name: str) -> int:
    listed = run(home, "labels", "list").stdout.splitlines()
    return next((int(line.split()[2]) for line in listed if line.split()[:1] == [name]), -1)


def scenario_kill_labels_add(work: Path, depot: Path, args) -> dict:
    """SIGKILL during `labels add NAME --threshold 0` (a label every photo gets): at random moments of the run,
    and once exactly between saving labels.toml and the retag. After each kill the label is either not saved, or
    its tags are there, or `status` says a retag is pending; the next `index` leaves none stale."""
    count = min(args.photos, 60)
    photos = work / "photos"
    make_library_photos(photos, count, args.seed + 23)
    home = new_home(work, depot, batch_size=8)
    run(home, "index", photos)
    started = time.monotonic()
    run(home, "labels", "add", "calibration", "--threshold", "0")
    took = time.monotonic() - started
    rng = random.Random(args.seed)
    outcomes = {"not saved": 0, "tagged": 0, "pending": 0, "STALE": 0}
    kills = max(args.kills, 4)
    for n in range(kills + 1):
        name = f"killed{n}"
        if n == kills:  # the exact point: labels.toml saved, the retag not started
            child = subprocess.Popen([sys.executable, "-c", KILL_AFTER_SAVE, "--home", str(home), "labels", "add",
                                      name, "--threshold", "0"], cwd=REPO, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
            child.wait()
        else:
            labels = home / "config" / "labels.toml"
            child = photo_tagger(home, "labels", "add", name, "--threshold", "0", stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            if n % 2:  # any moment of the run
                time.sleep(rng.uniform(0.3, took))
            else:  # within 50 ms of the save: the retag's window, where tags went stale before
                while f'"{name}"' not in labels.read_text() and child.poll() is None:
                    time.sleep(0.002)
                time.sleep(rng.uniform(0.0, 0.05))
            child.send_signal(signal.SIGKILL)
            child.wait()
        status = json.loads(run(home, "status", "--json").stdout or "{}")
        pending = any("retag" in key for key in status.get("pending", {}))
        saved = f'"{name}"' in (home / "config" / "labels.toml").read_text()
        tagged = saved and _label_count(home, name) > 0
        outcomes["not saved" if not saved else "tagged" if tagged else "pending" if pending else "STALE"] += 1
        if pending:
            run(home, "index", photos)  # finishes it
    final_stale = [n for n in range(kills + 1) if f'"killed{n}"' in (home / "config" / "labels.toml").read_text()
                   and _label_count(home, f"killed{n}") == 0]
    return {"scenario": f"SIGKILL x{kills} during `labels add` (half at random, half within 50 ms of the save) "
                        "+ 1 exactly after the save",
            "photos": count, "exit": "137",
            "observed": ", ".join(f"{v} {k}" for k, v in outcomes.items()) + f"; stale after the next index: "
                        f"{len(final_stale)}", **verify(home, photos)}


def scenario_bad_setting(work: Path, depot: Path, args) -> dict:
    photos = work / "photos"
    make_library_photos(photos, 6, args.seed + 24)
    home = new_home(work, depot, batch_size=8)
    run(home, "index", photos)
    settings = home / "config" / "settings.toml"
    settings.write_text(settings.read_text().replace('ocr = "auto"', "ocr = 5"))
    refused = [run(home, *a) for a in (["status"], ["search", "red"], ["index", photos])]
    named = sum(str(settings) in r.stderr and "ocr" in r.stderr for r in refused)
    listed, fixed = run(home, "settings"), run(home, "settings", "ocr", "auto")
    after = run(home, "status")
    return {"scenario": "ocr = 5 in settings.toml", "photos": 6,
            "exit": " ".join(_said(r) for r in refused) + f"; settings {listed.returncode}, fix {fixed.returncode}, "
                    f"then status {after.returncode}",
            "observed": f"{named}/3 one-line refusals name the file and the key; `settings` lists, "
                        f"`settings ocr auto` fixes it", **verify(home, photos)}


def scenario_bad_inputs(work: Path, depot: Path, args) -> dict:
    photos = work / "photos"
    make_library_photos(photos, 6, args.seed + 25)
    home = new_home(work, depot, batch_size=8)
    run(home, "index", photos)
    results = {
        "50,000-char query": run(home, "search", "a" * 50_000),
        "--limit 10^20": run(home, "search", "red", "--limit", "99999999999999999999"),
        "--store http://[::1": run(home, "--store", "http://[::1", "search", "red"),
        "settings store_url http://[::1": run(home, "settings", "store_url", "http://[::1"),
    }
    from tests.fixture_models.checkpoints import tiny_clip

    broken = work / "broken-model"
    shutil.copytree(tiny_clip(), broken)
    with open(broken / "model.safetensors", "r+b") as f:
        f.seek(40)
        f.write(b"garbage!" * 64)
    results["model install (corrupt safetensors)"] = run(home, "model", "install", broken)
    models = sorted(p.name for p in (home / "data" / "models").iterdir() if not p.name.startswith("."))
    return {"scenario": "inputs that ended in internal error (exit 70)", "photos": 6,
            "exit": "; ".join(f"{k} {_said(r)}" for k, r in results.items()),
            "observed": f"exit 70 {sum(r.returncode == 70 for r in results.values())}x; models after the failed "
                        f"install: {models}", **verify(home, photos)}


def scenario_read_only_home(work: Path, depot: Path, args) -> dict:
    photos = work / "photos"
    make_library_photos(photos, 6, args.seed + 26)
    home = new_home(work, depot, batch_size=8)
    run(home, "index", photos)
    disk = work / "ro"
    if not _mount(disk, "60m"):
        return {"scenario": "a home on a read-only mount", "exit": "skipped: cannot mount a tmpfs (needs root)"}
    try:
        shutil.copytree(home, disk / "home")
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        ro = disk / "home"
        reads = {name: run(ro, *a) for name, a in (("status", ["status"]), ("search", ["search", "red"]),
                                                   ("check", ["library", "check"]))}
        writes = {name: run(ro, *a) for name, a in (("index", ["index", photos]),
                                                    ("tag", ["tag", photos / "IMG_00001.jpg", "--add", "x"]))}
        return {"scenario": "a home on a read-only mount (tmpfs remounted ro)", "photos": 6,
                "exit": "; ".join(f"{k} {_said(r)}" for k, r in {**reads, **writes}.items()),
                "observed": f"reads ok {sum(r.returncode == 0 for r in reads.values())}/3; writes refused in one "
                            f"line {sum(r.returncode == 1 and _lines(r) == 1 for r in writes.values())}/2",
                **verify(home, photos)}
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


ROUND_TWO = {"backups-full-disk": scenario_backups_full_disk, "names": scenario_names,
             "labels-syntax": scenario_labels_syntax, "kill-labels-add": scenario_kill_labels_add,
             "bad-setting": scenario_bad_setting, "bad-inputs": scenario_bad_inputs,
             "read-only-home": scenario_read_only_home}
SCENARIOS.update(ROUND_TWO)


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        return child_main(sys.argv[2], sys.argv[4:])
    if len(sys.argv) == 5 and sys.argv[1] == "--keep-this":
        print(json.dumps(keep_this_here(*map(Path, sys.argv[2:]))))
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "--verify":
        print(json.dumps(verify_here(Path(sys.argv[2]), Path(sys.argv[3]))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=300)
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip", action="append", default=[], choices=list(SCENARIOS))
    parser.add_argument("--only", action="append", default=[], choices=list(SCENARIOS),
                        help="run only these scenarios (repeatable)")
    args = parser.parse_args()
    from photo_tagger.app import App
    from tests.fixture_models.checkpoints import tiny_clip

    rows = []
    with tempfile.TemporaryDirectory(prefix="fault-injection-") as tmp:
        depot = Path(tmp) / "depot"
        App.from_home(depot).models.install_from_checkpoint(str(tiny_clip()), name="tiny", int8=False)
        for name, scenario in SCENARIOS.items():
            if name in args.skip or (args.only and name not in args.only):
                continue
            started = time.monotonic()
            work = Path(tmp) / name
            work.mkdir()
            row = scenario(work, depot, args)
            row["seconds"] = round(time.monotonic() - started)
            rows.append(row)
            print(json.dumps(row), flush=True)
    columns = [*COLUMNS, "seconds"]
    print("\n| " + " | ".join(columns) + " |\n|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row.get(c, "")) for c in columns) + " |")
    ok = all(r.get("catalog=disk", True) is True and r.get("catalog=chroma", True) is True
             and not r.get("duplicates") for r in rows)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
