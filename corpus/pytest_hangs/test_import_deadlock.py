import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def test_import_plugin():
    import hang_import_mod  # noqa: F401
