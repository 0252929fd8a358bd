"""Followed feeds: sources polled with conditional GET, their new entries stored as articles.

`tables` (the schema), `records` (sources and seen entries in the store), `feeds` (a
response read as Atom, RSS or JSON Feed), `entries` (an entry as an Article), `polling`
(fetching many at once, and what a poll found), `checking` (the job `run` and
`sources check` share).
"""
