"""Renderers: IR → the text of every file under generated/."""
