"""Ingest's record of the raw files it took in (broadsheet/ingest/record.py): a second ingest
does no work for files already in content/, and the record never changes what ingest does,
only what it costs."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from broadsheet.ingest import pipeline
from conftest import REPO, SEED, make_project, run

PROSE = ("Le gouvernement a présenté mardi un projet de loi sur le logement, qui sera débattu "
         "au Parlement avant la fin du mois, après des semaines de retard.")


def content(config) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((config.parent / "content").glob("*.md"))}


def state_dir(config):
    return config.parent / ".broadsheet" / "build"


@pytest.fixture
def cleanings(monkeypatch):
    """How many articles ingest cleans (a first cleaning each: see clean_corpus)."""
    calls = []
    real = pipeline.clean

    def counting(text, *args, **kwargs):
        calls.append(text.split("\n", 1)[0])
        return real(text, *args, **kwargs)
    monkeypatch.setattr(pipeline, "clean", counting)
    return calls


def ingest(config, *args):
    return run(config, "ingest", "--jobs", "1", *args)  # in this process: cleanings counted


def test_a_second_ingest_cleans_nothing_and_says_so_in_one_line(project, cleanings, capsys):
    assert ingest(project) == 0
    assert len(cleanings) == 1
    first = content(project)
    capsys.readouterr()
    cleanings.clear()
    assert ingest(project) == 0
    assert cleanings == []
    out = capsys.readouterr().out
    assert out.splitlines() == [
        f"ingest: 0 added, 1 already in content/, 0 skipped (0 duplicates merged), 0 failed "
        f"-> {project.parent / 'content'}"]
    assert content(project) == first


def test_verbose_lists_each_file_skipped(project, capsys):
    assert ingest(project) == 0
    capsys.readouterr()
    assert ingest(project, "--verbose") == 0
    (name,) = content(project)
    assert f"skipped {SEED.name}: already ingested as {name}" in capsys.readouterr().out


def test_a_raw_file_edited_in_place_is_ingested_again_as_without_the_record(tmp_path, cleanings):
    results = []
    for keep_record in (True, False):
        config = make_project(tmp_path / str(keep_record))
        assert ingest(config) == 0
        seed = config.parent / "raw" / SEED.name
        seed.write_text(f"Grève à Saint-Malo\n\n{STORY}\n\n{STORY}\n", encoding="utf-8")
        if not keep_record:
            shutil.rmtree(state_dir(config))
        cleanings.clear()
        assert ingest(config) == 0
        assert len(cleanings) == 1  # new bytes: a new article, cleaned
        results.append(content(config))
    assert results[0] == results[1] and len(results[0]) == 2


def test_touching_a_raw_file_without_changing_it_cleans_nothing(project, cleanings):
    assert ingest(project) == 0
    seed = project.parent / "raw" / SEED.name
    os.utime(seed, ns=(1, 1))  # a git checkout or a CI cache restore moves the stat
    cleanings.clear()
    assert ingest(project) == 0
    assert cleanings == []


def test_force_reads_and_cleans_everything_again(project, cleanings, capsys):
    assert ingest(project) == 0
    (path,) = (project.parent / "content").glob("*.md")
    path.write_text(path.read_text(encoding="utf-8").replace("- Irak\n", "- Irak\n- Relu\n"),
                    encoding="utf-8")
    cleanings.clear()
    capsys.readouterr()
    assert ingest(project, "--force") == 0
    assert len(cleanings) == 1
    assert "- Relu\n" not in path.read_text(encoding="utf-8")
    assert "ingest: 1 added, 0 already in content/" in capsys.readouterr().out


def test_a_deleted_content_file_is_written_again(project, cleanings):
    assert ingest(project) == 0
    first = content(project)
    for path in (project.parent / "content").glob("*.md"):
        path.unlink()
    cleanings.clear()
    assert ingest(project) == 0
    assert len(cleanings) == 1
    assert content(project) == first


@pytest.mark.parametrize("record", [b"{not json", b"\xff\xfe", b'{"version": 999}', b"[]",
                                    b'{"version": 1, "files": 3}'])
def test_a_corrupt_or_unknown_record_is_ignored_and_rebuilt(project, cleanings, capsys, record):
    assert ingest(project) == 0
    first = content(project)
    (state_dir(project) / "ingest.json").write_bytes(record)
    cleanings.clear()
    capsys.readouterr()
    assert ingest(project) == 0
    assert len(cleanings) == 1  # read and cleaned again, as with no record
    assert "1 already in content/" in capsys.readouterr().out
    assert content(project) == first
    json.loads((state_dir(project) / "ingest.json").read_text(encoding="utf-8"))  # rebuilt
    cleanings.clear()
    assert ingest(project) == 0
    assert cleanings == []


def test_deleting_the_state_folder_changes_nothing_observable(tmp_path, capsys):
    outputs = []
    for keep_record in (True, False):
        config = make_project(tmp_path / str(keep_record))
        (config.parent / "raw" / "other.txt").write_text(f"Titre\n\n{PROSE}\n", encoding="utf-8")
        (config.parent / "raw" / "empty.txt").write_text("Juste un titre\n\n \n", encoding="utf-8")
        ingest(config)
        if not keep_record:
            shutil.rmtree(state_dir(config))
        capsys.readouterr()
        code = ingest(config)
        out, err = capsys.readouterr()
        outputs.append((code, out.replace(str(config.parent), "PROJ"), err.replace(
            str(config.parent), "PROJ"), content(config)))
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == 1 and "empty.txt" in outputs[0][2]  # its error is said each time


def test_the_record_is_deterministic(tmp_path):
    records = []
    for name in ("a", "b"):
        config = make_project(tmp_path / name)
        assert ingest(config) == 0
        data = json.loads((state_dir(config) / "ingest.json").read_text(encoding="utf-8"))
        records.append({"files": {os.path.relpath(k, config.parent): {**v, "stamp": None}
                                  for k, v in data["files"].items()},
                        **{k: v for k, v in data.items() if k != "files"}})
    assert records[0] == records[1]


STORY = ("Les dockers du port de Saint-Malo ont cessé le travail lundi matin pour protester "
         "contre la suppression de quarante postes annoncée par l'opérateur du terminal. "
         "Les syndicats réclament l'ouverture immédiate de négociations avec la direction. "
         "Selon la préfecture, une dizaine de navires attendaient au large en fin de journée, "
         "et les ferries vers les îles anglo-normandes ont été détournés vers Cherbourg.")


def test_duplicates_merged_once_are_counted_once(project, cleanings, capsys):
    raw = project.parent / "raw"
    (raw / "wire-a.txt").write_text(f"Grève à Saint-Malo\n\n{STORY}\n\n{STORY}\n", encoding="utf-8")
    (raw / "wire-b.txt").write_text(f"Saint-Malo : grève\n\n{STORY}\n\n{STORY} Fin.\n",
                                    encoding="utf-8")
    (raw / "wire-c.txt").write_bytes((raw / "wire-a.txt").read_bytes())
    assert ingest(project) == 0
    assert "2 skipped (2 duplicates merged)" in capsys.readouterr().out
    first = content(project)
    cleanings.clear()
    assert ingest(project, "--verbose") == 0
    out = capsys.readouterr().out
    assert cleanings == []
    assert "0 added, 4 already in content/, 0 skipped (0 duplicates merged)" in out
    assert "skipped wire-b.txt: duplicate of" in out or "skipped wire-a.txt: duplicate of" in out
    # the copy kept deleted: the story is taken again, as it was the first time
    (kept,) = [p for p in (project.parent / "content").glob("*.md") if "greve" in p.name]
    kept.unlink()
    assert ingest(project) == 0
    assert content(project) == first


def test_a_warning_said_on_reading_is_said_again(project, capsys):
    (project.parent / "raw" / "latin.txt").write_bytes(
        f"Été à Paris\n\n{PROSE} Déjà vu.\n".encode("latin-1"))
    assert ingest(project) == 0
    first = [ln for ln in capsys.readouterr().err.splitlines() if "latin.txt" in ln]
    assert first and first[0].startswith("warning:")
    assert ingest(project) == 0
    assert [ln for ln in capsys.readouterr().err.splitlines() if "latin.txt" in ln] == first


@pytest.mark.slow
def test_new_files_of_known_sources_come_out_as_without_the_record(tmp_path):
    """Files of sources already ingested learn the source's recurring lines from the files
    taken before, as a run without the record (which reads them all again) does."""
    corpus = tmp_path / "corpus"
    subprocess.run([sys.executable, str(REPO / "bench" / "gen_raw.py"), "--n", "80", "--out",
                    str(corpus)], check=True, capture_output=True)
    names = sorted(p.name for p in corpus.glob("*.txt"))
    results = []
    for keep_record in (True, False):
        config = make_project(tmp_path / str(keep_record), raw_files=[])
        for name in names[:70]:
            shutil.copy(corpus / name, config.parent / "raw" / name)
        assert ingest(config) == 0
        for name in names[70:]:
            shutil.copy(corpus / name, config.parent / "raw" / name)
        if not keep_record:
            shutil.rmtree(state_dir(config))
        assert ingest(config) == 0
        results.append(content(config))
    assert results[0] == results[1] and len(results[0]) > 70
