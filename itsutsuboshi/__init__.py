"""itsutsuboshi (五つ星): Japanese municipal open-data CSV to 5-star Linked Open Data."""

from pathlib import Path as _Path

__version__ = "0.1.0"

# Installed, the subpackages vocab/shapes/converters/server sit inside this package. Imported
# straight from a source checkout (the repository root on sys.path), they are the top-level
# folders beside this one: look there too, so both layouts give the same single namespace.
_root = _Path(__file__).resolve().parent.parent
if (_root / "converters" / "engine.py").is_file() and not (_Path(__file__).parent / "converters").exists():
    __path__.append(str(_root))  # noqa: F821
