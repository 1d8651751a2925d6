"""micrograd: a small, readable, correct scalar reverse-mode autograd engine."""

from micrograd.engine import AnomalyError, Value, detect_anomaly, no_grad
from micrograd.nn import MLP, Layer, Module, Neuron

__all__ = ["MLP", "AnomalyError", "Layer", "Module", "Neuron", "Value", "detect_anomaly", "no_grad"]
__version__ = "0.2.0"
