"""Compiler output of chargespec; never edited by hand."""
