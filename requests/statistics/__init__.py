"""The network's numbers for reports: requests, fill rate, time to fill, languages, hours, declines.

`numbers` computes them from plain facts (no database: tested against hand-built fixtures),
`load` reads those facts for a user's offices and a period, `charts` lays them out as SVG
shapes, `export` writes them as CSV.
"""
