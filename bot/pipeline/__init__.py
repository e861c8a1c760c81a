"""Government as a platform: where the City's own process, procurement above all, holds
submissions up, published for everyone.

    GET /reports/pipeline                      the page: charts and their tables, no JavaScript
    GET /reports/pipeline/<dataset>.svg        one chart
    GET /api/open-data/<dataset>.csv | .json   the figures behind it
    GET /api/open-data/<dataset>.dictionary.json   what each field means

The scheduler counts and draws the figures (figures.py, charts.py); the app serves them
(page.py), so that the scheduler does not load FastAPI."""
