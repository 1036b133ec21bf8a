"""Generate the Python stubs for protos/ into libs/protos/src (run by `make protos`).

    python libs/protos/generate.py            # regenerate in place
    python libs/protos/generate.py --check    # exit 1 when the committed stubs are stale

The output is never edited by hand: the check compares a fresh generation with the tree.
"""

from __future__ import annotations

import filecmp
import sys
import tempfile
from importlib import resources
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parents[2]
PROTOS = ROOT / "protos"
OUT = ROOT / "libs" / "protos" / "src"
PACKAGE = "mercato"
HEADER = '"""Generated from protos/ by `make protos`; do not edit."""\n'


def generate(out: Path) -> None:
    sources = sorted(str(p.relative_to(PROTOS)) for p in PROTOS.rglob("*.proto"))
    well_known = str(resources.files("grpc_tools") / "_proto")
    args = [
        "grpc_tools.protoc",
        f"-I{PROTOS}",
        f"-I{well_known}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        *sources,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    for directory in [out / PACKAGE, *(p for p in (out / PACKAGE).rglob("*") if p.is_dir())]:
        if directory.name == "__pycache__":
            continue
        (directory / "__init__.py").write_text(HEADER)
    (out / PACKAGE / "py.typed").write_text("")


def _files(tree: Path) -> set[str]:
    return {
        str(p.relative_to(tree))
        for p in (tree / PACKAGE).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def check() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        generate(fresh)
        expected, actual = _files(fresh), _files(OUT)
        stale = sorted(expected ^ actual) + sorted(
            name
            for name in expected & actual
            if not filecmp.cmp(fresh / name, OUT / name, shallow=False)
        )
    if stale:
        print("stale generated stubs (run `make protos`):", *stale, sep="\n  ")
        return 1
    print("generated stubs are up to date")
    return 0


def main() -> int:
    if "--check" in sys.argv[1:]:
        return check()
    target = OUT / PACKAGE
    if target.exists():
        for path in sorted(target.rglob("*"), reverse=True):
            if path.is_file():
                path.unlink()
            elif path.is_dir():
                path.rmdir()
    OUT.mkdir(parents=True, exist_ok=True)
    generate(OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
