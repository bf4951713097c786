import os
from pathlib import Path


import pytest
from broadsheet.cli import main
from broadsheet.errors import Diagnostics
from conftest import REPO, SEED, make_project, run

PROSE = ("Le gouvernement a présenté mardi un projet de loi sur le logement, qui sera débattu "
         "au Parlement avant la fin du mois, après des semaines de retard.")


def content_files(config: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((config.parent / "content").glob("*.md"))}


def test_sample_ingest_matches_the_committed_content(project):
    assert run(project, "ingest") == 0
    committed = {p.name: p.read_bytes() for p in (REPO / "content").glob("*.md")}
    assert content_files(project) == committed


def test_ingest_is_deterministic(tmp_path):
    a, b = make_project(tmp_path / "a"), make_project(tmp_path / "b")
    assert run(a, "ingest") == 0 and run(b, "ingest") == 0
    assert content_files(a) == content_files(b) != {}


def test_reingest_never_clobbers_an_edit(project, capsys):
    assert run(project, "ingest") == 0
    (path,) = (project.parent / "content").glob("*.md")
    edited = path.read_text(encoding="utf-8").replace("- Irak\n", "- Irak\n- Relu par la rédaction\n")
    path.write_text(edited, encoding="utf-8")
    capsys.readouterr()
    assert run(project, "ingest", "--verbose") == 0
    assert path.read_text(encoding="utf-8") == edited
    assert "skipped 000_2858112e9b9562c5.txt: already ingested" in capsys.readouterr().out
    assert run(project, "ingest", "--force") == 0
    assert "Relu par la rédaction" not in path.read_text(encoding="utf-8")


def test_an_edit_with_a_front_matter_typo_still_counts_as_ingested(project, capsys):
    # the file does not load, but its id line says what it is: its raw article is not written
    # again beside it (the build would then have published that copy, not the edit)
    assert run(project, "ingest") == 0
    (path,) = (project.parent / "content").glob("*.md")
    edited = path.read_text(encoding="utf-8").replace("\nsource:", '\nsummary: "unclosed\nsource:')
    edited = edited.replace("Maison Blanche", "Maison Blanche (relu)", 1)
    path.write_text(edited, encoding="utf-8")
    capsys.readouterr()
    assert run(project, "ingest", "--verbose") == 0
    out, err = capsys.readouterr()
    assert "skipped 000_2858112e9b9562c5.txt: already ingested" in out
    assert f"warning: {path}:" in err and "this content file does not load" in err
    assert [p.name for p in (project.parent / "content").glob("*.md")] == [path.name]
    assert path.read_text(encoding="utf-8") == edited


def test_a_renamed_content_file_still_counts_as_ingested(project):
    assert run(project, "ingest") == 0
    (path,) = (project.parent / "content").glob("*.md")
    renamed = path.with_name("maison-blanche.md")
    path.rename(renamed)
    assert run(project, "ingest") == 0
    assert [p.name for p in (project.parent / "content").glob("*.md")] == ["maison-blanche.md"]


def test_same_headline_twice_keeps_both(project):
    raw = project.parent / "raw"
    other = ("Les agriculteurs de la vallée manifestaient jeudi contre la baisse des prix du lait, "
             "qui menace selon eux la survie de nombreuses exploitations familiales.")
    for name, body in (("one.txt", PROSE), ("two.txt", other)):
        (raw / name).write_text(f"Même titre\n\n{body}\n\n{body} Encore.\n", encoding="utf-8")
    assert run(project, "ingest") == 0
    names = sorted(content_files(project))
    assert "meme-titre.md" in names
    assert len([n for n in names if n.startswith("meme-titre")]) == 2


BAD = {
    "empty.txt": (b"", "empty file"),
    "blank.txt": (b"  \n\n \t\n", "empty file"),
    "headline.txt": ("Juste un titre\n".encode(), "only a headline"),
    "broken.txt": ("Titre\n\nÉté très chaud à Paris.\n".encode() + b"d\xe9j\xe0\n", "not valid UTF-8"),
    "binary.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
}


def test_bad_inputs_each_get_one_line_and_the_rest_goes_through(project, capsys):
    raw = project.parent / "raw"
    for name, (data, _) in BAD.items():
        (raw / name).write_bytes(data)
    (raw / "folder.txt").mkdir()
    assert run(project, "ingest") == 1
    err = capsys.readouterr().err.splitlines()
    for name, (_, words) in BAD.items():
        lines = [ln for ln in err if f"{name}" in ln]
        assert len(lines) == 1 and words in lines[0], (name, err)
    assert any("folder.txt" in ln and "folder" in ln for ln in err)
    assert len(content_files(project)) == 1  # the seed still went through
    assert all((raw / n).exists() for n in BAD)  # raw files are never touched


def test_invalid_utf8_names_the_line(project, capsys):
    (project.parent / "raw" / "bad.txt").write_bytes("Titre\n\nÉté\n\n".encode() + b"d\xe9j\xe0\n")
    run(project, "ingest")
    assert "bad.txt:5: not valid UTF-8" in capsys.readouterr().err


def test_unreadable_file(project, capsys, monkeypatch):
    bad = project.parent / "raw" / "locked.txt"
    bad.write_text(f"Titre\n\n{PROSE}\n", encoding="utf-8")
    real = Path.read_bytes

    def read_bytes(self):
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert run(project, "ingest") == 1
    assert "locked.txt: cannot read: Permission denied" in capsys.readouterr().err
    assert len(content_files(project)) == 1


def test_symlink_outside_the_input_folder_is_not_followed(project, tmp_path, capsys):
    outside = tmp_path / "secret.txt"
    outside.write_text(f"Secret\n\n{PROSE}\n", encoding="utf-8")
    os.symlink(outside, project.parent / "raw" / "link.txt")
    assert run(project, "ingest") == 0
    assert "warning: " in (err := capsys.readouterr().err) and "link.txt: symlink" in err
    assert not any("secret" in n for n in content_files(project))


def test_ingest_given_files_and_content_dir(project, tmp_path):
    out = tmp_path / "elsewhere"
    assert run(project, "ingest", str(SEED), "--content", str(out)) == 0
    assert len(list(out.glob("*.md"))) == 1


def test_missing_input_path(project, capsys):
    assert run(project, "ingest", "nope/") == 1
    assert "nope: no such file or folder" in capsys.readouterr().err


def test_body_markup_is_escaped_not_interpreted(project):
    raw = project.parent / "raw"
    (raw / "md.txt").write_text(
        f"Titre\n\n# pas un titre, {PROSE}\n\n1. pas une liste, *ni* un [lien](http://x.org). {PROSE}\n",
        encoding="utf-8")
    assert run(project, "all") == 0
    html = (project.parent / "site" / "articles" / "titre.html").read_text(encoding="utf-8")
    assert "<p># pas un titre" in html and "<h1># pas" not in html
    assert "*ni*" in html and "<a href=\"http://x.org\"" not in html


STORY = ("Les dockers du port de Saint-Malo ont cessé le travail lundi matin pour protester "
         "contre la suppression de quarante postes annoncée par l'opérateur du terminal. "
         "Les syndicats réclament l'ouverture immédiate de négociations avec la direction. "
         "Selon la préfecture, une dizaine de navires attendaient au large en fin de journée, "
         "et les ferries vers les îles anglo-normandes ont été détournés vers Cherbourg.")


def test_duplicates_are_merged_and_recorded(project, capsys):
    raw = project.parent / "raw"
    (raw / "wire-a.txt").write_text(f"Grève des dockers à Saint-Malo\n\n{STORY}\n\n{STORY}\n",
                                    encoding="utf-8")
    (raw / "wire-b.txt").write_text(f"Saint-Malo : les dockers en grève\n\n{STORY}\n\n{STORY} "
                                    "La direction n'a pas souhaité réagir.\n", encoding="utf-8")
    (raw / "wire-c.txt").write_text(f"Grève des dockers à Saint-Malo\n\n{STORY}\n\n{STORY}\n",
                                    encoding="utf-8")  # an exact copy of a
    capsys.readouterr()
    assert run(project, "ingest") == 0
    out = capsys.readouterr().out
    assert "2 duplicates merged" in out
    files = content_files(project)
    kept = [n for n in files if "dockers" in n]
    assert len(kept) == 1
    text = files[kept[0]].decode()
    assert "duplicates:\n- wire-b.txt\n- wire-c.txt\n" in text or "duplicates:\n- wire-a.txt" in text
    # and a later copy of a story already in content/ is left out, content untouched
    (raw / "wire-d.txt").write_text(f"Dockers : la grève continue\n\n{STORY}\n\n{STORY}\n",
                                    encoding="utf-8")
    before = content_files(project)
    capsys.readouterr()
    assert run(project, "ingest") == 0
    assert "skipped wire-d.txt: duplicate of" in capsys.readouterr().out
    assert content_files(project) == before


def test_which_duplicate_is_kept_does_not_depend_on_names(tmp_path):
    """The same stories under other file names: the kept copy is the same text."""
    kept = []
    for names in (("x1.txt", "x2.txt"), ("z2.txt", "a1.txt")):
        config = make_project(tmp_path / names[0], raw_files=[])
        longer = f"{STORY}\n\n{STORY} La direction n'a pas souhaité réagir."
        (config.parent / "raw" / names[0]).write_text(f"Titre A\n\n{STORY}\n\n{STORY}\n",
                                                      encoding="utf-8")
        (config.parent / "raw" / names[1]).write_text(f"Titre B\n\n{longer}\n", encoding="utf-8")
        assert run(config, "ingest") == 0
        (only,) = content_files(config)
        kept.append(only)
    assert kept == ["titre-b.md", "titre-b.md"]  # the longest body wins, whatever the names


@pytest.mark.slow
def test_parallel_ingest_writes_what_a_single_process_writes(tmp_path):
    import subprocess
    import sys
    raw = tmp_path / "raw"
    subprocess.run([sys.executable, str(REPO / "bench" / "gen_raw.py"), "--n", "240", "--out",
                    str(raw)], check=True, capture_output=True)
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"content{jobs}"
        assert main(["ingest", str(raw), "--content", str(out), "--jobs", jobs, "-q"]) == 0
        outputs.append({p.name: p.read_bytes() for p in out.glob("*.md")})
    assert outputs[0] == outputs[1] and len(outputs[0]) > 200


def test_ingest_and_build_read_the_same_content_files(project):
    # an editor's hidden swap file (.x.md) is no article for the build, nor for ingest
    from broadsheet.ingest.pipeline import existing_content
    from broadsheet.publish.load import load_content

    content = project.parent / "content"
    for name in ("a.md", ".a.md.swp.md", "b.md"):
        (content / name).write_text(f"---\ntitle: T {name}\nid: {name}\n---\n\nText.\n",
                                    encoding="utf-8")
    built = [a.path.name for a in load_content(content, Diagnostics())[0]]
    ingested = [p.name for p, _ in existing_content(content, Diagnostics())[0]]
    assert built == ingested == ["a.md", "b.md"]
