"""Submodule of the helper package _plugins (see import_pkg_thread.py)."""


def hello():
    return "hello"


PLUGINS = {"hello": hello}
