"""Practice: exercises whose every blank is a number of a traced graph (issue 11).

    >>> from app.limits import Limits
    >>> p = problem("seed-network", 0, Limits.defaults())
    >>> [b.key for b in p.blanks][:4]
    ['grad:o1', 'local:z3->o1#0', 'local:w5->w5*h1#0', 'grad:w5']
    >>> check(p, {"grad:w5": "0.0822"}, [])["results"]["grad:w5"]["correct"]
    True

:mod:`.catalog` lists the kinds; each kind's module (:mod:`.gates`, :mod:`.neuron`,
:mod:`.activations`, :mod:`.seed_network`, :mod:`.vectorized`) draws a request from the seed
(:mod:`.draw`) and says which numbers to ask; :mod:`.problems` traces the request with the
service the endpoint uses and reads the answers off the document (:mod:`.document`);
:mod:`.hints` writes the hints; :mod:`.grading` and :mod:`.checking` mark the answers.
"""

from app.exercises.catalog import KINDS
from app.exercises.checking import check
from app.exercises.grading import ExerciseError
from app.exercises.problems import MAX_SEED, Problem, problem

__all__ = ["KINDS", "MAX_SEED", "ExerciseError", "Problem", "check", "problem"]
