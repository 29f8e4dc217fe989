"""Socket templates: the shared socket engine, the rectification zones, the transtibial,
transradial and transfemoral templates, distal interfaces (CadQuery), ventilation holes,
labels and strength warnings."""

from prosthetics.sockets.engine import SocketResult, TemplateCache
from prosthetics.sockets.transfemoral import TransfemoralParams, build_transfemoral
from prosthetics.sockets.transradial import TransradialParams, build_transradial
from prosthetics.sockets.transtibial import TranstibialParams, build_transtibial
from prosthetics.sockets.zones import ZONE_LIST, ZONES, ZoneParams

__all__ = ["SocketResult", "TemplateCache", "TransfemoralParams", "TransradialParams",
           "TranstibialParams", "ZONES", "ZONE_LIST", "ZoneParams", "build_transfemoral",
           "build_transradial", "build_transtibial"]
