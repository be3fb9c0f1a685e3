"""A locked workbook: encrypted at rest, opened only with its passphrase, nothing lost on the way."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest

from workbook import cipher, lock
from workbook.store import Home, Revision, Workbook, WorkbookError

from .locking import PASSPHRASE, make

WORDS = "Sam said my drawings were too quiet"


def _all_bytes(path) -> bytes:
    return b"".join(
        open(f"{path}{extra}", "rb").read()
        for extra in ("", "-wal", "-shm")
        if os.path.exists(f"{path}{extra}")
    )


def test_a_locked_file_holds_none_of_the_words_not_even_the_name(home, quick_kdf):
    path = make(home, "After the interview at Bakery Lune", locked=True)
    assert path.stem.startswith("locked-") and "interview" not in path.name
    with Workbook.open(path) as wb:
        assert wb.locked and wb._conn.execute("PRAGMA temp_store").fetchone()[0] == 2  # MEMORY
        wb.put("letter", {"text": WORDS})
        # the write-ahead log holds the new page now, encrypted like the file
        assert os.path.getsize(f"{path}-wal") > 0
        for needle in (b"Sam said", b"Bakery", b"interview", b"letter", b"SQLite format"):
            assert needle not in _all_bytes(path)
    for needle in (b"Sam said", b"Bakery", b"interview"):
        assert needle not in _all_bytes(path)
    assert [e["text"] for e in Workbook.open(path).entries("letter")] == [WORDS]


def test_the_key_derivation_and_its_parameters_are_in_the_file(home):
    cipher.forget()
    path = make(home, "Real strength", locked=True)  # the real parameters, not the tests' quick ones
    head = path.read_bytes()[:16]
    assert head[:4] == bytes((0xC1, 17, 8, 1))  # format, log2 N, r, p: scrypt N=2^17 (128 MiB), r=8, p=1
    assert cipher.header_of(path) == head
    cipher.forget()
    started = time.perf_counter()
    with Workbook.open(path, passphrase=PASSPHRASE) as wb:
        assert wb.name == "Real strength"
    assert time.perf_counter() - started > 0.05  # a guess costs real work (scrypt, not a plain hash)
    assert cipher.derive(PASSPHRASE, head) == cipher.known_key(head)
    cipher.forget()


def test_without_its_passphrase_a_locked_workbook_is_listed_but_not_read(home, quick_kdf):
    path = make(home, "Private", locked=True)
    plain = make(home, "Open book", locked=False)
    cipher.forget()
    listed = {info.slug: info for info in home.list()}
    assert listed[plain.stem].name == "Open book" and not listed[plain.stem].locked
    info = listed[path.stem]
    assert info.locked and not info.opened and info.name.startswith("Locked workbook ")
    assert "Private" not in info.name and info.problem == ""
    with pytest.raises(cipher.Locked, match="locked"):
        home.open(path.stem)
    assert [i.name for i in lock.open_with(home, PASSPHRASE)] == [info.name]
    assert {i.name for i in home.list()} == {"Private", "Open book"}


def test_a_wrong_passphrase_says_so_and_changes_nothing(home, quick_kdf):
    path = make(home, "Mine", locked=True)
    cipher.forget()
    before = _all_bytes(path)
    for wrong in ("a long quiet wal", "A LONG QUIET WALK", "", "x" * 5000):
        with pytest.raises(cipher.WrongPassphrase, match="doesn't open this workbook. Nothing was changed"):
            home.open(path.stem, passphrase=wrong)
    with pytest.raises(cipher.WrongPassphrase):
        lock.open_with(home, "not it at all")
    assert _all_bytes(path) == before and sorted(os.listdir(home.path)) == [path.name]


def test_lock_again_changes_the_passphrase_and_unlock_makes_it_plain(home, quick_kdf):
    path = make(home, "Changing", locked=True)
    with Workbook.open(path) as wb:
        wb.put("letter", {"text": WORDS})
        first = wb.put("quality", {"text": "patient"})
        wb.put("quality", {"text": "very patient"}, entry_id=first.entry_id)
    assert lock.lock(home, path.stem, "a new and longer passphrase") == path.stem
    cipher.forget()
    with pytest.raises(cipher.WrongPassphrase):
        home.open(path.stem, passphrase=PASSPHRASE)
    with home.open(path.stem, passphrase="a new and longer passphrase") as wb:
        assert len(wb.history(first.entry_id)) == 2
    slug = lock.unlock(home, path.stem)
    assert slug == "changing" and sorted(os.listdir(home.path)) == ["changing.workbook"]
    assert home.path_for(slug).read_bytes()[:16] == b"SQLite format 3\x00"
    cipher.forget()
    with home.open(slug) as wb:  # no passphrase any more
        assert not wb.locked and [e["text"] for e in wb.entries("letter")] == [WORDS]
        assert [e["text"] for e in wb.entries("quality")] == ["very patient"]
    with pytest.raises(WorkbookError, match="isn't locked"):
        lock.unlock(home, slug)


def test_the_workbook_in_use_stays_in_use_when_locked_and_unlocked(home, quick_kdf):
    """Locking gives the file a new key (its name is never on disk): the app and Lab, which
    open the current workbook, would find none and say "No workbook is open yet"."""
    other = make(home, "Another one", locked=False)
    path = make(home, "In use", locked=False)
    home.set_current(path.stem)
    locked = lock.lock(home, path.stem, PASSPHRASE)
    assert locked != path.stem and home.current() == locked
    slug = lock.unlock(home, locked)
    assert home.current() == slug == "in-use"
    lock.lock(home, other.stem, PASSPHRASE)  # another workbook's lock leaves the current one be
    assert home.current() == "in-use"


@pytest.mark.parametrize("bad", ["", "short", "       ", None, "y" * 1025])
def test_a_passphrase_too_short_or_empty_is_refused_and_nothing_changes(home, quick_kdf, bad):
    path = make(home, "Plain", locked=False)
    before = path.read_bytes()
    with pytest.raises(WorkbookError, match="passphrase"):
        lock.lock(home, path.stem, bad)
    assert path.read_bytes() == before and sorted(os.listdir(home.path)) == ["plain.workbook"]


def test_changing_or_unlocking_needs_the_passphrase_first(home, quick_kdf):
    path = make(home, "Kept shut", locked=True)
    cipher.forget()
    for change in (
        lambda: lock.lock(home, path.stem, "another passphrase"),
        lambda: lock.unlock(home, path.stem),
    ):
        with pytest.raises(cipher.Locked):
            change()
    assert sorted(os.listdir(home.path)) == [path.name]


def test_a_lock_killed_midway_loses_nothing_and_is_swept_up(home, quick_kdf):
    path = make(home, "Killed while locking", locked=False)
    with Workbook.open(path) as wb:
        wb.apply_revisions(
            [
                Revision(
                    f"{n:032x}",
                    f"{n:032x}",
                    "letter",
                    None,
                    "me",
                    f"2026-11-01T00:00:{n % 60:02}",
                    False,
                    {"text": "x" * 3000},
                )
                for n in range(3000)
            ]
        )
    before = {e.entry_id for e in Workbook.open(path).entries("letter")}
    script = textwrap.dedent(
        f"""
        from workbook import cipher, lock
        from workbook.store import Home
        cipher.LOG2_N = 14
        lock.lock(Home({str(home.path)!r}), {path.stem!r}, {PASSPHRASE!r})
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(p.name.endswith(".creating") for p in home.path.iterdir()):
        assert child.poll() is None, "the lock finished before it could be killed"
        time.sleep(0.002)  # polling for the hidden copy, not waiting a fixed time
    child.kill()  # SIGKILL, midway through the copy
    child.wait()
    assert path.exists()
    with Workbook.open(path) as wb:
        assert not wb.locked and {e.entry_id for e in wb.entries("letter")} == before
    slug = lock.lock(home, path.stem, PASSPHRASE)  # sweeps the half-made copy, then locks
    assert sorted(os.listdir(home.path)) == [f"{slug}.workbook"]
    with home.open(slug) as wb:
        assert {e.entry_id for e in wb.entries("letter")} == before


def test_a_locked_workbook_lists_and_opens_by_its_name_once_opened(quick_kdf, tmp_path):
    home = Home(tmp_path / "h")
    slug = make(home, "After the party", locked=True).stem
    assert home.find("After the party").slug == slug
    cipher.forget()
    assert home.find("After the party") is None
    lock.open_with(home, PASSPHRASE, name="After the party")
    assert home.find("After the party").slug == slug


# -- the command line ----------------------------------------------------------------------------
def _cli(home, *argv, input=None, env=None):
    from click.testing import CliRunner

    from workbook import cli, content

    # the variables a command reads, cleared for it and put back after it (--language sets one)
    env = {content.LANGUAGE_ENV: None, "REJECTION_WORKBOOK_PASSPHRASE": None, **(env or {})}
    env.setdefault("REJECTION_WORKBOOK_NEW_PASSPHRASE", None)
    result = CliRunner().invoke(cli.app, [*argv, "--home", str(home.path)], input=input, env=env)
    return result.exit_code, result.output


def test_lock_asks_twice_says_there_is_no_back_door_and_every_command_asks_once(home, quick_kdf, tmp_path):
    make(home, "After the interview", locked=False)
    code, out = _cli(home, "lock", "After the interview", input=f"{PASSPHRASE}\n{PASSPHRASE}\n")
    assert code == 0, out
    assert out.count("New passphrase") == 1 and out.count("The same passphrase again") == 1
    assert "no back door" in out and 'rejection-workbook export "After the interview"' in out
    (slug,) = [p.stem for p in home.path.glob("*.workbook")]
    assert slug.startswith("locked-") and f"{slug}.workbook" in out
    cipher.forget()
    code, out = _cli(home, "list")
    assert "Locked workbook" in out and "After the interview" not in out
    for command in (
        ["export", "After the interview", str(tmp_path / "mine.zip")],
        ["report", "After the interview", "--out", str(tmp_path / "r.html")],
    ):
        cipher.forget()
        code, out = _cli(home, *command, input=f"{PASSPHRASE}\n")
        assert code == 0, out
        assert out.count("Passphrase of the locked workbook") == 1
    assert (tmp_path / "mine.zip").stat().st_size and "After the interview" in (
        tmp_path / "r.html"
    ).read_text()


def test_a_wrong_passphrase_or_two_different_ones_change_nothing(home, quick_kdf, tmp_path):
    path = make(home, "Mine", locked=False)
    before = path.read_bytes()
    code, out = _cli(home, "lock", "Mine", input=f"{PASSPHRASE}\nsomething else\n")
    assert code == 2 and "The two passphrases were different; nothing was saved." in out
    assert path.read_bytes() == before and not cipher.is_locked(path)
    assert [p.name for p in home.path.glob("*.workbook*")] == ["mine.workbook"]
    assert not [p for p in os.listdir(home.path) if p.startswith(".")]  # no half-made copy left
    code, out = _cli(home, "lock", "Mine", env={"REJECTION_WORKBOOK_PASSPHRASE": PASSPHRASE})
    assert code == 0, out
    cipher.forget()
    locked_file = next(home.path.glob("*.workbook"))
    before = locked_file.read_bytes()
    code, out = _cli(home, "export", "Mine", str(tmp_path / "x.zip"), input="not the passphrase\n")
    assert code == 2 and "That passphrase doesn't open this workbook. Nothing was changed" in out
    assert locked_file.read_bytes() == before and not (tmp_path / "x.zip").exists()


def test_unlock_and_a_new_passphrase_from_the_command_line_in_spanish(home, quick_kdf):
    make(home, "Después", locked=False)
    env = {"REJECTION_WORKBOOK_PASSPHRASE": PASSPHRASE}
    code, out = _cli(home, "lock", "Después", "--language", "es", env=env)
    assert code == 0 and "No hay puerta trasera" in out and "exportación" in out
    cipher.forget()
    new = {**env, "REJECTION_WORKBOOK_NEW_PASSPHRASE": "otra frase de paso"}
    code, out = _cli(home, "lock", "Después", "--language", "es", env=new)
    assert code == 0 and "Se ha cambiado la frase de paso de «Después»" in out, out
    cipher.forget()
    code, out = _cli(home, "unlock", "Después", "--language", "es", env=env)
    assert code == 2 and "Esa frase de paso no abre este cuaderno" in out
    code, out = _cli(home, "unlock", "Después", env={"REJECTION_WORKBOOK_PASSPHRASE": "otra frase de paso"})
    assert code == 0 and "Took the lock off 'Después'" in out
    assert sorted(p.name for p in home.path.glob("*.workbook")) == ["despues.workbook"]
    code, out = _cli(home, "unlock", "Después")
    assert code == 2 and "isn't locked" in out


def test_the_app_and_lab_ask_in_the_cli_only_to_find_a_locked_workbook_by_its_name(
    home, quick_kdf, monkeypatch
):
    from workbook import cli, clikit

    slug = make(home, "Mine", locked=True).stem
    cipher.forget()
    asked = []
    monkeypatch.setattr(clikit.click, "prompt", lambda text, **kw: asked.append(text) or PASSPHRASE)
    assert cli._resolve_workbook(home, slug) == slug and asked == []  # the app asks for it itself
    assert cli._resolve_workbook(home, "Mine") == slug and asked == ["Passphrase of the locked workbook"]
    assert home.current() == slug


# -- Python and JupyterLab (notebooks/08_explore.ipynb) --------------------------------------------
class Asker:
    """A person answering getpass: each answer in turn, every question kept."""

    def __init__(self, *answers):
        self.answers, self.asked = list(answers), []

    def __call__(self, prompt):
        self.asked.append(prompt)
        return self.answers.pop(0)


def test_python_opens_a_locked_workbook_asking_once_per_kernel(home, quick_kdf, capsys):
    from workbook import frames, unlocking

    path = make(home, "After the interview", locked=True)
    with Workbook.open(path) as wb:
        wb.put("quality", {"text": "honest"})
    home.set_current(path.stem)
    cipher.forget()  # a new kernel
    ask = Asker("not it at all", PASSPHRASE)
    with unlocking.open_workbook(home, ask=ask) as wb:
        assert list(frames.frame(wb, "quality")["text"]) == ["honest"]
        with pytest.raises(WorkbookError):  # opened for reading: nothing changes it
            wb.put("quality", {"text": "brave"})
    assert [q.strip() for q in ask.asked] == [
        "Passphrase of your locked workbook (it isn't shown as you type):"
    ] * 2
    assert "That passphrase doesn't open this workbook" in capsys.readouterr().out
    for name in (None, "After the interview", path.stem):  # the kernel keeps the key: not asked again
        with unlocking.open_workbook(home, name, ask=Asker()) as wb:
            assert wb.name == "After the interview"


def test_python_takes_the_passphrase_as_an_argument_and_a_wrong_one_changes_nothing(home, quick_kdf):
    from workbook import unlocking

    path = make(home, "Mine", locked=True)
    cipher.forget()
    before = path.read_bytes()
    with pytest.raises(cipher.WrongPassphrase):
        unlocking.open_workbook(home, "Mine", passphrase="not the passphrase")
    ask = Asker("wrong one", "wrong two", "wrong three")
    with pytest.raises(cipher.WrongPassphrase):
        unlocking.open_workbook(home, "Mine", ask=ask)
    assert len(ask.asked) == 3 and path.read_bytes() == before
    with pytest.raises(cipher.Locked):  # left empty: still locked, said plainly
        unlocking.open_workbook(home, "Mine", ask=Asker(""))
    assert unlocking.open_workbook(home, "Not here", passphrase=PASSPHRASE) is None
    with unlocking.open_workbook(home, "Mine", passphrase=PASSPHRASE) as wb:  # by its name
        assert wb.name == "Mine"


def test_reading_every_workbook_asks_once_and_says_which_stay_locked(home, quick_kdf, capsys, monkeypatch):
    import getpass

    from workbook import content, unlocking

    make(home, "Plain", locked=False)
    make(home, "Locked one", locked=True)
    other = make(home, "Another passphrase", locked=False)
    lock.lock(home, other.stem, "a different passphrase")
    cipher.forget()
    content.set_language("es")
    asked = Asker(PASSPHRASE)
    monkeypatch.setattr(getpass, "getpass", asked)  # getpass: the answer isn't shown
    names = sorted(info.name for info in unlocking.readable(home))
    assert names == ["Locked one", "Plain"]
    assert [q.strip() for q in asked.asked] == [
        "Frase de paso de tu cuaderno con candado (no se ve mientras escribes):"
    ]
    assert "Cuadernos con candado que se han quedado fuera" in capsys.readouterr().out
    assert len(unlocking.readable(home, passphrase="a different passphrase")) == 3
