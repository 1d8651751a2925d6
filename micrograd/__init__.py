"""micrograd: a small, readable, correct scalar reverse-mode autograd engine."""

from micrograd.engine import AnomalyError, Value, detect_anomaly, no_grad
from micrograd.graph import draw_dot, save_svg
from micrograd.nn import MLP, Layer, Module, Neuron

__all__ = [
    "MLP",
    "AnomalyError",
    "Layer",
    "Module",
    "Neuron",
    "Value",
    "detect_anomaly",
    "draw_dot",
    "no_grad",
    "save_svg",
]
__version__ = "0.2.0"
