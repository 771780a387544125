"""The read API, /api/v1/: published articles, authors, tags, sections,
series and search, as JSON (Django REST framework; the OpenAPI schema by
drf-spectacular). One module per part: clients.py (who may ask how often),
pagination.py (keyset cursors), serializers.py, views.py, urls.py."""
