"""Insoles: the foot scan (cleaning, foot frame, plantar height map, measurements) and the
parametric insole template fitted to it."""

from prosthetics.insoles.foot import Foot, FootParams, process_foot
from prosthetics.insoles.template import InsoleParams, InsoleResult, build_insole

__all__ = ["Foot", "FootParams", "InsoleParams", "InsoleResult", "build_insole",
           "process_foot"]
