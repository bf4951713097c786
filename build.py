"""The whole pipeline with site.yaml: `python build.py` (ingest, build, index), or
`python build.py VERB ...`, the same as `broadsheet VERB ...`."""

import sys

from broadsheet.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["all"]))
