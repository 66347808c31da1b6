"""The substring search's prefilter over PostgreSQL trigram indexes (crm.db, issue 21)."""

from collections.abc import Iterable

from django.db import models
from django.db.models.lookups import IContains

from .vendor import vendor_is_postgresql

# --- substring search -------------------------------------------------------------------------

# pg_trgm indexes `LIKE '%term%'` by the term's trigrams, so it serves terms of three characters
# and more; a term of two (恒力, 凤凰: the most common search) has none. Doubling every character
# of the text ("恒力" → "恒恒力力", crm_doubled) gives it trigrams: "恒力" is in the text exactly
# when "恒恒力力" is in the doubled text (a match cannot start between the two copies of a
# character), and 恒恒力 and 恒力力 are in a second trigram index over the doubled text. The
# functions and the indexes are created on PostgreSQL by customers/migrations/0011_search_indexes.py;
# bench/README.md has the measurements behind the choice.


class SearchText(models.Func):
    """crm_customer_search_text(name, short_name, name_normalized, pinyin_keys): the customer's
    searchable columns joined by line breaks (no one types one into a search box)."""

    function = "crm_customer_search_text"
    output_field = models.TextField()

    def __init__(self, *, prefix: str = ""):
        columns = ("name", "short_name", "name_normalized", "pinyin_keys")
        super().__init__(*(models.F(prefix + c) for c in columns))


class Doubled(models.Func):
    """crm_doubled(text): every character twice."""

    function = "crm_doubled"
    output_field = models.TextField()
    arity = 1


def doubled(term: str) -> str:
    """Every character twice, as crm_doubled: "恒力" → "恒恒力力"."""
    return "".join(ch * 2 for ch in term)


def search_prefilter(text, terms: Iterable[str]) -> models.Q | None:
    """A condition met by every row whose `text` (an expression with a trigram index over its
    upper case and one over its doubled upper case) holds one of `terms` case-insensitively,
    that PostgreSQL answers from those indexes.

    It is a superset, never the answer (a term may straddle two joined columns): the caller
    ANDs it with its exact condition, which alone decides, so both databases return the same
    rows. None on SQLite, which has no such index, and when a term is shorter than two
    characters (no index serves it: a condition that scans anyway would only cost).
    """
    if not vendor_is_postgresql():
        return None
    terms = list(dict.fromkeys(t for t in terms if t))
    if not terms or any(len(t) < 2 for t in terms):
        return None
    cond = models.Q()
    for term in terms:
        if len(term) == 2:
            cond |= models.Q(IContains(Doubled(text), doubled(term)))
        else:
            cond |= models.Q(IContains(text, term))
    return cond
