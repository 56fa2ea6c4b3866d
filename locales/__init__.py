"""Translations (gettext catalogs) and knowledge-base entries, shipped as package data."""
