"""The next site, file by file: what each file is (size, mtime, digest: the state's Output),
which were written, which kept from the last site, which removed. Files go into the staging
tree (write.Staging); a file whose bytes are those of the trusted old one is not written.
"""

from __future__ import annotations

import os
from stat import S_ISREG

from broadsheet.config import Config
from broadsheet.errors import ContentError, Diagnostics
from broadsheet.fsutil import leads_outside
from broadsheet.model import SEARCH_DIR, BuildResult
from broadsheet.publish.indexing import SearchFiles
from broadsheet.publish.render import THEME
from broadsheet.publish.state import Output, digest, listing
from broadsheet.publish.write import Staging


class Outputs:
    def __init__(self, staging: Staging, result: BuildResult, trusted: dict[str, str],
                 kept: dict[str, Output]):
        self.staging = staging
        self.result = result  # counts what was written, kept and removed
        self.trusted = trusted  # path -> digest of the old site's files, as they are
        self.kept = kept  # path -> Output of those files
        self.files: dict[str, Output] = {}

    def record(self, rel: str, stat: tuple[int, int] | None, file_digest: str) -> None:
        """A file of the next site: written (its stat), or the old one kept (None)."""
        if stat is None:  # rendered to the same bytes: the linked file stays
            self.files[rel] = self.kept[rel]
            self.result.unchanged += 1
        else:
            self.files[rel] = Output(*stat, file_digest)
            self.result.written_paths.append(rel)

    def keep(self, paths) -> None:
        """Pages not rendered this build keep their file, linked from the old site."""
        for rel in paths:
            if rel not in self.files:
                self.files[rel] = self.kept[rel]
                self.result.unchanged += 1

    def put(self, rel: str, data: bytes) -> None:
        file_digest = digest(data)
        stat = None if self.trusted.get(rel) == file_digest else self.staging.write(rel, data)
        self.record(rel, stat, file_digest)

    def search_files(self, made: SearchFiles, fresh: bool) -> None:
        """The export's files moved in; the other published search files stay, linked (unless
        the export was made afresh: then what it does not list goes)."""
        prefix = f"{SEARCH_DIR}/"
        written = dict(made.written)
        current = [] if fresh else sorted(rel for rel in self.staging.linked
                                          if rel.startswith(prefix))
        for rel in current:
            if rel not in written and rel not in made.removed:
                self.record(rel, None, "")
        for rel, file_digest in made.written:
            stat = (None if self.trusted.get(rel) == file_digest
                    else self.staging.move_in(rel, made.folder / rel))
            self.record(rel, stat, file_digest)

    def remove_the_rest(self) -> None:
        """What the old site had and the next one does not make goes."""
        for rel in sorted(self.staging.linked - self.files.keys()):
            self.staging.remove(rel)
            self.result.removed_paths.append(rel)
        self.result.written_paths.sort()
        self.result.removed_paths.sort()


def static_assets(config: Config, problems: Diagnostics):
    """(path under site/, bytes) of the theme's static files and the site's static/ (which
    wins on a name), published as site/static/; hidden files (.gitkeep, an editor's lock
    file) are not. A file that cannot be read is an error, and the others go on; a symlink
    leading out of static/ is not followed (a commit could otherwise publish any file of the
    machine that builds)."""
    files = {}
    for folder in (THEME / "static", config.static_dir):
        for rel, _, _ in listing(folder):
            if not any(part.startswith(".") for part in rel.split("/")):
                files[rel] = folder / rel
    for rel in sorted(files):
        path = files[rel]
        if leads_outside(path, config.static_dir):
            problems.warn(ContentError(
                "symlink to a file outside the static folder, not followed", path))
            continue
        try:
            if not S_ISREG(os.stat(path).st_mode):  # a FIFO would block the read
                problems.error(ContentError("not a regular file", path))
                continue
            data = path.read_bytes()
        except OSError as exc:
            problems.error(ContentError(f"cannot read: {exc.strerror or exc}", path))
            continue
        yield f"static/{rel}", data
