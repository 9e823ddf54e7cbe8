"""Renderers: each draws the finished book in one format. They never import each other."""
